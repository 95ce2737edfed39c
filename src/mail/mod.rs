//! The email adapter: builds a message (plain text and HTML alternatives) and sends it over
//! SMTP with lettre on rustls. Knows nothing of the store: the queue is in `db`/`crm`, the loop
//! in `jobs`. Errors come back in plain words for the admin and the CLI.

use crate::config::{Secret, SmtpConfig, SmtpSecurity};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP exchange may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// Why a message was not sent, in words an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// `[smtp]` has no host or sender address.
    #[error("Email is not set up: set smtp.host and smtp.from_address in flowcrm.toml.")]
    NotConfigured,
    /// The settings cannot work (a bad address, an unreadable CA file).
    #[error("{0}")]
    Settings(String),
    /// The recipient address is not an address.
    #[error("`{0}` is not an email address.")]
    BadRecipient(String),
    /// Worth trying again later (connection, timeout, a 4xx answer).
    #[error("{0}")]
    Transient(String),
    /// The server refused for good (a 5xx answer: unknown mailbox, authentication).
    #[error("{0}")]
    Permanent(String),
}

impl MailError {
    /// True when sending again later may work.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, MailError::Transient(_))
    }
}

/// An SMTP connection description, ready to send.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    server: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `cfg` with the SMTP password (from the vault or the file) and the name
    /// mail is sent under when `smtp.from_name` is unset.
    pub fn new(
        cfg: &SmtpConfig,
        password: Option<&Secret>,
        default_name: &str,
    ) -> Result<Self, MailError> {
        if !cfg.is_configured() {
            return Err(MailError::NotConfigured);
        }
        let host = cfg.host.as_deref().unwrap_or_default().trim().to_string();
        let address = cfg
            .from_address
            .as_deref()
            .unwrap_or_default()
            .trim()
            .parse()
            .map_err(|_| {
                MailError::Settings("smtp.from_address is not an email address.".into())
            })?;
        let name = cfg
            .from_name
            .clone()
            .unwrap_or_else(|| default_name.to_string());
        let port = cfg.port();
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
            .port(port)
            .timeout(Some(TIMEOUT));
        if cfg.security != SmtpSecurity::None {
            let mut tls = TlsParameters::builder(host.clone());
            if let Some(path) = &cfg.ca_file {
                let pem = std::fs::read(path).map_err(|e| {
                    MailError::Settings(format!(
                        "smtp.ca_file {} cannot be read: {e}",
                        path.display()
                    ))
                })?;
                let cert = Certificate::from_pem(&pem).map_err(|e| {
                    MailError::Settings(format!(
                        "smtp.ca_file {} is not a PEM certificate: {e}",
                        path.display()
                    ))
                })?;
                tls = tls.add_root_certificate(cert);
            }
            let tls = tls
                .build_rustls()
                .map_err(|e| MailError::Settings(format!("TLS settings for {host}: {e}")))?;
            builder = builder.tls(match cfg.security {
                SmtpSecurity::Tls => Tls::Wrapper(tls),
                _ => Tls::Required(tls),
            });
        }
        if let (Some(user), Some(pass)) = (&cfg.username, password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), pass.expose().to_string()));
        }
        Ok(Self {
            transport: builder.build(),
            from: Mailbox::new(Some(name), address),
            server: format!("{host}:{port} ({})", cfg.security.as_str()),
        })
    }

    /// Where mail goes, for messages: `host:port (starttls)`.
    #[must_use]
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Sends one message.
    pub async fn send(&self, m: &Outgoing) -> Result<(), MailError> {
        let to: Mailbox =
            m.to.trim()
                .parse()
                .map_err(|_| MailError::BadRecipient(m.to.clone()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                m.text.clone(),
                m.html.clone(),
            ))
            .map_err(|e| MailError::Settings(format!("the message could not be built: {e}")))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| self.explain(&e))
    }

    /// Connects and says hello (EHLO, STARTTLS, AUTH) without sending anything.
    pub async fn check(&self) -> Result<(), MailError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(MailError::Transient(format!(
                "{} did not accept the connection.",
                self.server
            ))),
            Err(e) => Err(self.explain(&e)),
        }
    }

    fn explain(&self, e: &lettre::transport::smtp::Error) -> MailError {
        let server = &self.server;
        let detail = e.to_string();
        if e.is_permanent() {
            let hint = if detail.contains("535") || detail.to_lowercase().contains("auth") {
                " Check smtp.username and the smtp.password secret."
            } else {
                ""
            };
            return MailError::Permanent(format!("{server} refused: {detail}.{hint}"));
        }
        if e.is_tls() {
            return MailError::Transient(format!(
                "TLS with {server} failed: {detail}. If the server uses a private certificate, set smtp.ca_file; if it has no TLS, set smtp.security."
            ));
        }
        if e.is_timeout() {
            return MailError::Transient(format!("{server} did not answer in time ({detail})."));
        }
        if e.is_transient() {
            return MailError::Transient(format!("{server} asked to try later: {detail}."));
        }
        MailError::Transient(format!("Could not send through {server}: {detail}."))
    }
}
