//! The campaign form as posted: its values (and back from a stored campaign), the multipart
//! body with the header file, and the header's upload to WhatsApp.

use crate::app::AppState;
use crate::crm::{self, campaigns::Input};
use crate::model::campaign::Binding;
use crate::model::{FieldError, TemplateHeader, Zone};
use crate::web::attachments::file::{Upload, check, header_file};
use axum::extract::Multipart;
use time::macros::format_description;

/// What the form holds.
#[derive(Debug, Clone, Default)]
pub(in crate::web::campaigns) struct Values {
    pub(in crate::web::campaigns) name: String,
    /// `name|language`.
    pub(in crate::web::campaigns) template: String,
    /// (source, value) per variable: a field and its fallback, or `text` and the text.
    pub(in crate::web::campaigns) vars: Vec<(String, String)>,
    pub(in crate::web::campaigns) include: Vec<i64>,
    pub(in crate::web::campaigns) exclude: Vec<i64>,
    pub(in crate::web::campaigns) allow_unknown: bool,
    pub(in crate::web::campaigns) later: bool,
    pub(in crate::web::campaigns) date: String,
    pub(in crate::web::campaigns) time: String,
    /// The media header already uploaded.
    pub(in crate::web::campaigns) kept: Option<TemplateHeader>,
}

pub(super) fn kept_parts(h: Option<&TemplateHeader>) -> (String, String, String) {
    match h {
        Some(TemplateHeader::Image { media_id }) => {
            ("IMAGE".into(), media_id.clone(), String::new())
        }
        Some(TemplateHeader::Video { media_id }) => {
            ("VIDEO".into(), media_id.clone(), String::new())
        }
        Some(TemplateHeader::Document { media_id, filename }) => (
            "DOCUMENT".into(),
            media_id.clone(),
            filename.clone().unwrap_or_default(),
        ),
        _ => (String::new(), String::new(), String::new()),
    }
}

pub(super) fn header_of(
    format: &str,
    media_id: String,
    filename: Option<String>,
) -> Option<TemplateHeader> {
    if media_id.trim().is_empty() {
        return None;
    }
    match format {
        "IMAGE" => Some(TemplateHeader::Image { media_id }),
        "VIDEO" => Some(TemplateHeader::Video { media_id }),
        "DOCUMENT" => Some(TemplateHeader::Document { media_id, filename }),
        _ => None,
    }
}

impl Values {
    pub(super) fn of(input: &Input, zone: &Zone) -> Self {
        let (date, time) = input.scheduled_at.map_or_else(Default::default, |t| {
            let l = zone.local(t);
            (
                l.date().to_string(),
                format!("{:02}:{:02}", l.hour(), l.minute()),
            )
        });
        Self {
            name: input.name.clone(),
            template: format!("{}|{}", input.template_name, input.template_language),
            vars: input
                .variables
                .iter()
                .map(|b| match b {
                    Binding::Field { field, fallback } => (field.clone(), fallback.clone()),
                    Binding::Text { text } => ("text".into(), text.clone()),
                })
                .collect(),
            include: input.include.clone(),
            exclude: input.exclude.clone(),
            allow_unknown: input.allow_unknown,
            later: input.scheduled_at.is_some(),
            date,
            time,
            kept: input.header.clone(),
        }
    }

    /// The campaign these values describe, or what is wrong with the date and time.
    pub(super) fn input(&self, zone: &Zone) -> std::result::Result<Input, Vec<FieldError>> {
        let (name, language) = self
            .template
            .split_once('|')
            .unwrap_or((&self.template, ""));
        let scheduled_at = if self.later {
            let date = time::Date::parse(
                self.date.trim(),
                format_description!("[year]-[month]-[day]"),
            );
            let at = time::Time::parse(self.time.trim(), format_description!("[hour]:[minute]"));
            match (date, at) {
                (Ok(d), Ok(t)) => match zone.at_wall(time::PrimitiveDateTime::new(d, t)) {
                    Some(x) => Some(x),
                    None => {
                        return Err(vec![FieldError::new(
                            "scheduled_at",
                            "That time does not exist on that day (the clocks change); choose another.",
                        )]);
                    }
                },
                _ => {
                    return Err(vec![FieldError::new(
                        "scheduled_at",
                        "Choose a date and a time (hours and minutes), or send it now.",
                    )]);
                }
            }
        } else {
            None
        };
        Ok(Input {
            name: self.name.trim().to_string(),
            template_name: name.to_string(),
            template_language: language.to_string(),
            variables: self
                .vars
                .iter()
                .map(|(source, value)| {
                    if source == "text" {
                        Binding::Text {
                            text: value.trim().to_string(),
                        }
                    } else {
                        Binding::Field {
                            field: source.clone(),
                            fallback: value.trim().to_string(),
                        }
                    }
                })
                .collect(),
            header: self.kept.clone(),
            include: self.include.clone(),
            exclude: self.exclude.clone(),
            allow_unknown: self.allow_unknown,
            scheduled_at,
        })
    }
}

/// The form as posted: its values, the header file, whether only the template changed.
pub(super) struct Posted {
    pub(super) v: Values,
    pub(super) file: Option<Upload>,
    pub(super) reload: bool,
}

pub(super) async fn read(mut form: Multipart) -> std::result::Result<Posted, String> {
    let cut = |e: axum::extract::multipart::MultipartError| format!("The form was cut off: {e}");
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(cut)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "header_file" {
            file = header_file(field).await?;
        } else {
            pairs.push((name, field.text().await.map_err(cut)?));
        }
    }
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let ids = |k: &str| {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect::<Vec<i64>>()
    };
    let count = (1..=100)
        .take_while(|i| pairs.iter().any(|(n, _)| *n == format!("var_{i}")))
        .count();
    let v = Values {
        name: get("name"),
        template: get("template"),
        vars: (1..=count)
            .map(|i| (get(&format!("var_{i}")), get(&format!("val_{i}"))))
            .collect(),
        include: ids("include"),
        exclude: ids("exclude"),
        allow_unknown: !get("allow_unknown").is_empty(),
        later: get("when") == "later",
        date: get("date"),
        time: get("time"),
        kept: header_of(
            &get("kept_format"),
            get("kept_media"),
            Some(get("kept_filename")).filter(|f| !f.is_empty()),
        ),
    };
    Ok(Posted {
        v,
        file,
        reload: !get("reload").is_empty(),
    })
}

/// Uploads the header file to WhatsApp for template media `media`; the header to keep.
pub(super) async fn upload(
    state: &AppState,
    media: &str,
    up: &Upload,
) -> std::result::Result<TemplateHeader, String> {
    check(up)?;
    let wanted = match media {
        "IMAGE" => "image/",
        "VIDEO" => "video/",
        _ => "application/pdf",
    };
    if !up.mime.starts_with(wanted) {
        return Err(format!(
            "This template's header is a {}: choose such a file.",
            media.to_lowercase()
        ));
    }
    let link = crate::web::conversations::meta_link(state)
        .await
        .ok_or(crm::connection::NOT_CONNECTED)?;
    let id = state
        .sender
        .client
        .upload_media(
            &link.token,
            &link.phone_number_id,
            up.bytes.clone(),
            &up.mime,
            &up.filename,
        )
        .await
        .map_err(|e| format!("WhatsApp did not accept the file: {e}"))?;
    Ok(header_of(
        media,
        id,
        Some(up.filename.clone()).filter(|_| media == "DOCUMENT"),
    )
    .unwrap_or(TemplateHeader::Image {
        media_id: String::new(),
    }))
}
