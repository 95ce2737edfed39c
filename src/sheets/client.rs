//! The Sheets API v4 calls the sync makes, through `google-sheets4` with a service-account
//! token (yup-oauth2, cached for its hour). Values are always written with
//! `valueInputOption=RAW`, so a customer named `=IMPORTXML(…)` arrives as text; reads ask for
//! unformatted values with dates as text. Every call counts itself and has a timeout.

use super::{Error, ErrorKind, ServiceAccount, Structure};
use google_sheets4::api::{
    BatchUpdateSpreadsheetRequest, BatchUpdateValuesRequest, Scope, ValueRange,
};
use google_sheets4::common::{Delegate, Retry};
use google_sheets4::hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use google_sheets4::hyper_util::client::legacy::Client as HttpClient;
use google_sheets4::hyper_util::client::legacy::connect::HttpConnector;
use google_sheets4::hyper_util::rt::TokioExecutor;
use google_sheets4::yup_oauth2::{self, ServiceAccountAuthenticator};
use google_sheets4::{Sheets, common};
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

type Conn = HttpsConnector<HttpConnector>;

/// A tab of the spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabMeta {
    /// Its name.
    pub title: String,
    /// Its numeric id (for row deletions).
    pub sheet_id: i32,
    /// Rows in its grid.
    pub rows: u32,
    /// Columns in its grid.
    pub columns: u32,
}

/// A Sheets API client for one service account.
pub struct Client {
    hub: Sheets<Conn>,
    email: String,
    timeout: Duration,
    requests: AtomicU32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// Keeps the HTTP status of a failed call (the generated code drops it when the body is JSON).
#[derive(Default)]
struct Status(Option<u16>);

impl Delegate for Status {
    fn http_failure(&mut self, response: &common::Response, _: Option<&Value>) -> Retry {
        self.0 = Some(response.status().as_u16());
        Retry::Abort
    }
}

fn token_error(e: &(dyn std::error::Error + Send + Sync + 'static)) -> Error {
    match e.downcast_ref::<yup_oauth2::Error>() {
        Some(yup_oauth2::Error::AuthError(a)) => Error {
            kind: ErrorKind::Auth,
            status: None,
            message: format!(
                "Google refused the service-account key ({}{}); the key may have been deleted or disabled: create a new one",
                a.error.as_str(),
                a.error_description
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ),
        },
        Some(
            yup_oauth2::Error::HttpError(_)
            | yup_oauth2::Error::HttpClientError(_)
            | yup_oauth2::Error::LowLevelError(_),
        ) => Error::network(format!("Google's token service did not answer ({e})")),
        _ => Error {
            kind: ErrorKind::Auth,
            status: None,
            message: format!("no access token from Google ({e})"),
        },
    }
}

fn map_error(e: common::Error, status: Option<u16>) -> Error {
    match e {
        common::Error::BadRequest(body) => {
            let code = status
                .or_else(|| body.pointer("/error/code")?.as_u64()?.try_into().ok())
                .unwrap_or(400);
            Error::from_status(code, Some(&body))
        }
        common::Error::Failure(r) => Error::from_status(r.status().as_u16(), None),
        common::Error::MissingToken(e) => token_error(e.as_ref()),
        common::Error::HttpError(e) => Error::network(format!("Google did not answer ({e})")),
        common::Error::Io(e) => Error::network(format!("Google did not answer ({e})")),
        common::Error::JsonDecodeError(_, e) => Error {
            kind: ErrorKind::Invalid,
            status: None,
            message: format!("Google's answer was not understood ({e})"),
        },
        other => Error {
            kind: ErrorKind::Invalid,
            status: None,
            message: other.to_string(),
        },
    }
}

impl Client {
    /// A client for `account` talking to `api_base` (with a trailing slash), getting tokens
    /// from `token_uri` (the key's own when `None`).
    pub async fn connect(
        account: &ServiceAccount,
        api_base: &str,
        token_uri: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let connector = HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| Error::network(format!("no trusted certificates on this machine ({e}); install the ca-certificates package")))?
            .https_or_http()
            .enable_http1()
            .build();
        // One connector, two clients: the token flow sends string bodies, the hub boxed ones.
        let http = HttpClient::builder(TokioExecutor::new()).build(connector.clone());
        let token_http = HttpClient::builder(TokioExecutor::new()).build(connector);
        let mut key = account.key.clone();
        if let Some(uri) = token_uri {
            key.token_uri = uri.to_string();
        }
        let auth = ServiceAccountAuthenticator::with_client(
            key,
            yup_oauth2::client::CustomHyperClientBuilder::from(token_http),
        )
        .build()
        .await
        .map_err(|e| Error::key(format!("the key's private key cannot be used ({e})")))?;
        let mut hub = Sheets::new(http, auth);
        let base = if api_base.ends_with('/') {
            api_base.to_string()
        } else {
            format!("{api_base}/")
        };
        hub.base_url(base.clone());
        hub.root_url(base);
        hub.user_agent(format!("FlowCRM/{}", env!("CARGO_PKG_VERSION")));
        Ok(Self {
            hub,
            email: account.email().to_string(),
            timeout,
            requests: AtomicU32::new(0),
        })
    }

    /// The service account's email.
    #[must_use]
    pub fn email(&self) -> &str {
        &self.email
    }

    /// Calls made so far.
    #[must_use]
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    async fn call<T>(
        &self,
        f: impl AsyncFnOnce(&mut Status) -> common::Result<(common::Response, T)>,
    ) -> Result<T, Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut status = Status::default();
        match tokio::time::timeout(self.timeout, f(&mut status)).await {
            Err(_) => Err(Error::network(format!(
                "Google did not answer within {} s",
                self.timeout.as_secs()
            ))),
            Ok(Err(e)) => Err(map_error(e, status.0)),
            Ok(Ok((_, v))) => Ok(v),
        }
    }

    /// The spreadsheet's tabs (`spreadsheets.get`, properties only).
    pub async fn tabs(&self, spreadsheet: &str) -> Result<Vec<TabMeta>, Error> {
        let s = self
            .call(async |d| {
                self.hub
                    .spreadsheets()
                    .get(spreadsheet)
                    .param(
                        "fields",
                        "sheets.properties(sheetId,title,gridProperties(rowCount,columnCount))",
                    )
                    .add_scope(Scope::Spreadsheet)
                    .delegate(d)
                    .doit()
                    .await
            })
            .await?;
        Ok(s.sheets
            .unwrap_or_default()
            .into_iter()
            .filter_map(|sh| {
                let p = sh.properties?;
                let g = p.grid_properties.unwrap_or_default();
                Some(TabMeta {
                    title: p.title?,
                    sheet_id: p.sheet_id.unwrap_or(0),
                    rows: g.row_count.and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
                    columns: g
                        .column_count
                        .and_then(|n| u32::try_from(n).ok())
                        .unwrap_or(0),
                })
            })
            .collect())
    }

    /// The values of `ranges` (`values.batchGet`, one request), row by row, unformatted, dates
    /// as text; one list of rows per range, in order.
    pub async fn read(
        &self,
        spreadsheet: &str,
        ranges: &[String],
    ) -> Result<Vec<Vec<Vec<Value>>>, Error> {
        let r = self
            .call(async |d| {
                let mut call = self
                    .hub
                    .spreadsheets()
                    .values_batch_get(spreadsheet)
                    .major_dimension("ROWS")
                    .value_render_option("UNFORMATTED_VALUE")
                    .date_time_render_option("FORMATTED_STRING");
                for range in ranges {
                    call = call.add_ranges(range);
                }
                call.add_scope(Scope::Spreadsheet).delegate(d).doit().await
            })
            .await?;
        let mut out: Vec<Vec<Vec<Value>>> = r
            .value_ranges
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.values.unwrap_or_default())
            .collect();
        out.resize(ranges.len(), Vec::new());
        Ok(out)
    }

    /// Writes `data` (range, rows) in one `values.batchUpdate` with `valueInputOption=RAW`.
    pub async fn write(
        &self,
        spreadsheet: &str,
        data: Vec<(String, Vec<Vec<Value>>)>,
    ) -> Result<(), Error> {
        let body = BatchUpdateValuesRequest {
            value_input_option: Some("RAW".into()),
            data: Some(
                data.into_iter()
                    .map(|(range, values)| ValueRange {
                        range: Some(range),
                        major_dimension: Some("ROWS".into()),
                        values: Some(values),
                    })
                    .collect(),
            ),
            ..Default::default()
        };
        self.call(async |d| {
            self.hub
                .spreadsheets()
                .values_batch_update(body, spreadsheet)
                .add_scope(Scope::Spreadsheet)
                .delegate(d)
                .doit()
                .await
        })
        .await?;
        Ok(())
    }

    /// Appends `rows` below the table in `range` (`values.append`, RAW, new rows inserted).
    pub async fn append(
        &self,
        spreadsheet: &str,
        range: &str,
        rows: Vec<Vec<Value>>,
    ) -> Result<(), Error> {
        let body = ValueRange {
            range: Some(range.to_string()),
            major_dimension: Some("ROWS".into()),
            values: Some(rows),
        };
        self.call(async |d| {
            self.hub
                .spreadsheets()
                .values_append(body, spreadsheet, range)
                .value_input_option("RAW")
                .insert_data_option("INSERT_ROWS")
                .add_scope(Scope::Spreadsheet)
                .delegate(d)
                .doit()
                .await
        })
        .await?;
        Ok(())
    }

    /// Applies `changes` in one `spreadsheets.batchUpdate` (in order, all or nothing).
    pub async fn structure(&self, spreadsheet: &str, changes: Vec<Structure>) -> Result<(), Error> {
        let requests = changes.into_iter().map(super::structure::request).collect();
        let body = BatchUpdateSpreadsheetRequest {
            requests: Some(requests),
            ..Default::default()
        };
        self.call(async |d| {
            self.hub
                .spreadsheets()
                .batch_update(body, spreadsheet)
                .add_scope(Scope::Spreadsheet)
                .delegate(d)
                .doit()
                .await
        })
        .await?;
        Ok(())
    }
}
