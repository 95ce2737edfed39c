//! `flowcrm init`: write a commented config with a fresh verify token, then create the data
//! directory, database and master key.

use crate::app::{self, AppState};
use crate::config::Overrides;
use crate::crypto;
use anyhow::Context;
use std::path::Path;

/// The documented example config, embedded.
const EXAMPLE: &str = include_str!("../../flowcrm.toml.example");
/// The example's verify-token line that `init` fills in.
const VERIFY_LINE: &str = "# verify_token = \"";

/// The example config with a fresh verify token (and a data dir, when one was given).
fn render(verify_token: &str, data_dir: Option<&Path>) -> String {
    EXAMPLE
        .lines()
        .map(|line| {
            if line.starts_with(VERIFY_LINE) {
                format!("verify_token = \"{verify_token}\"")
            } else if let (Some(dir), true) = (data_dir, line.starts_with("data_dir = ")) {
                let escaped = dir
                    .display()
                    .to_string()
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"");
                format!("data_dir = \"{escaped}\"")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

pub(super) async fn run(overrides: &Overrides, force: bool) -> anyhow::Result<()> {
    let path = overrides
        .config_path
        .clone()
        .unwrap_or_else(|| "flowcrm.toml".into());
    anyhow::ensure!(
        force || !path.exists(),
        "{} exists already; pass --force to overwrite it",
        path.display()
    );
    let token = crypto::random_token()?;
    let text = render(&token[..32], overrides.data_dir.as_deref());
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {}", path.display());

    let with_file = Overrides {
        config_path: Some(path.clone()),
        ..overrides.clone()
    };
    let loaded = crate::config::load(&with_file, std::env::vars()).map_err(|problems| {
        let lines: Vec<_> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the new config does not load: {}", lines.join("; "))
    })?;
    let state = AppState::open(loaded.config, app::system_clock()).await?;
    let data_dir = state.config.server.data_dir.display().to_string();
    state.db.close().await;
    println!("created data directory {data_dir} (database and master key)");
    println!();
    println!("Next steps:");
    println!("  1. Edit {} (public_url, WhatsApp ids).", path.display());
    println!("  2. Store Meta's secrets encrypted:  flowcrm secret set whatsapp.access_token");
    println!("                                      flowcrm secret set whatsapp.app_secret");
    println!(
        "  3. Create the first admin:           flowcrm user add --email you@example.com --role admin"
    );
    println!("  4. Start:                            flowcrm serve");
    println!(
        "The webhook verify token for Meta's dashboard is in {} (whatsapp.verify_token).",
        path.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_config_has_the_token_and_loads() {
        let text = render(
            "0123456789abcdef0123456789abcdef",
            Some(Path::new("/var/lib/flowcrm")),
        );
        assert!(text.contains("verify_token = \"0123456789abcdef0123456789abcdef\""));
        assert!(text.contains("data_dir = \"/var/lib/flowcrm\""));
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("flowcrm.toml");
        std::fs::write(&p, text).expect("write");
        let o = Overrides {
            config_path: Some(p),
            ..Overrides::default()
        };
        let loaded = crate::config::load(&o, Vec::new()).expect("loads");
        assert_eq!(
            loaded.config.whatsapp.verify_token.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert!(loaded.warnings.is_empty(), "no plaintext secrets written");
    }
}
