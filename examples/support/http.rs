//! What the benchmark examples share: command-line arguments, a cookie jar, and signing in to
//! a running FlowCRM over HTTP the way a browser does (the login page's CSRF token, then the
//! form). Included with `#[path = "support/http.rs"] mod http;`.
#![allow(dead_code)] // each example uses part of it

/// The value after `name` on the command line, or `default`.
pub fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

/// Keeps the `Set-Cookie` pairs of `resp` in `jar` (a newer one replaces its name).
pub fn cookies(resp: &reqwest::Response, jar: &mut Vec<String>) {
    for v in resp.headers().get_all("set-cookie") {
        if let Some(pair) = v.to_str().ok().and_then(|s| s.split(';').next()) {
            let name = pair.split('=').next().unwrap_or_default().to_string();
            jar.retain(|c| !c.starts_with(&format!("{name}=")));
            jar.push(pair.to_string());
        }
    }
}

/// The first form's CSRF token on a page.
pub fn csrf(html: &str) -> anyhow::Result<String> {
    Ok(html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .ok_or_else(|| anyhow::anyhow!("no CSRF token on the page"))?
        .to_string())
}

/// Signs in as `email` and returns the session's `Cookie` header value.
pub async fn sign_in(
    client: &reqwest::Client,
    url: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let mut jar = Vec::new();
    let page = client.get(format!("{url}/login")).send().await?;
    cookies(&page, &mut jar);
    let html = page.text().await?;
    let token = csrf(&html)?;
    let form = [
        ("email", email),
        ("password", password),
        ("csrf_token", token.as_str()),
    ];
    let r = client
        .post(format!("{url}/login"))
        .header("cookie", jar.join("; "))
        .header("origin", url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form)?)
        .send()
        .await?;
    anyhow::ensure!(
        r.status().is_redirection(),
        "sign-in failed: {}",
        r.status()
    );
    cookies(&r, &mut jar);
    Ok(jar.join("; "))
}
