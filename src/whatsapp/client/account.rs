//! The business account's management endpoints: the phone number's details, and the app's
//! subscription to the WABA's webhooks.

use super::{GraphClient, GraphError, json_of};
use crate::config::Secret;

/// Fields asked of `GET /{phone-number-id}` (`messaging_limit_tier` is deprecated for
/// `whatsapp_business_manager_messaging_limit`).
pub const PHONE_FIELDS: &str = "display_phone_number,verified_name,quality_rating,throughput,whatsapp_business_manager_messaging_limit,name_status,platform_type";

impl GraphClient {
    /// `GET /{phone-number-id}?fields=…`: the number's display number, verified name, quality
    /// rating, throughput and messaging limit, as Meta answers them.
    #[tracing::instrument(skip_all, err(Display, level = "debug"))]
    pub async fn phone_number(
        &self,
        token: &Secret,
        phone_number_id: &str,
    ) -> Result<serde_json::Value, GraphError> {
        let url = format!("{}?fields={PHONE_FIELDS}", self.url(phone_number_id));
        let resp = self
            .http
            .get(url)
            .bearer_auth(token.expose())
            .send()
            .await?;
        json_of(resp).await
    }

    /// `GET /{waba-id}/subscribed_apps`: the apps that get this WABA's webhooks (their names).
    #[tracing::instrument(skip_all, err(Display, level = "debug"))]
    pub async fn subscribed_apps(
        &self,
        token: &Secret,
        waba_id: &str,
    ) -> Result<Vec<String>, GraphError> {
        let resp = self
            .http
            .get(self.url(&format!("{waba_id}/subscribed_apps")))
            .bearer_auth(token.expose())
            .send()
            .await?;
        let v = json_of(resp).await?;
        let data = v
            .get("data")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| GraphError::Invalid("no data array".into()))?;
        Ok(data
            .iter()
            .map(|a| {
                let app = a.get("whatsapp_business_api_data").unwrap_or(a);
                let s = |k: &str| app.get(k).and_then(serde_json::Value::as_str);
                s("name")
                    .or_else(|| s("id"))
                    .unwrap_or("an app")
                    .to_string()
            })
            .collect())
    }

    /// `POST /{waba-id}/subscribed_apps`: subscribes the token's app to the WABA's webhooks.
    #[tracing::instrument(skip_all, err(Display, level = "debug"))]
    pub async fn subscribe_app(&self, token: &Secret, waba_id: &str) -> Result<(), GraphError> {
        let resp = self
            .http
            .post(self.url(&format!("{waba_id}/subscribed_apps")))
            .bearer_auth(token.expose())
            .send()
            .await?;
        let v = json_of(resp).await?;
        if v.get("success").and_then(serde_json::Value::as_bool) == Some(true) {
            Ok(())
        } else {
            Err(GraphError::Invalid(format!(
                "subscription not confirmed: {v}"
            )))
        }
    }
}
