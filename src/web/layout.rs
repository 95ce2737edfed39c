//! `Layout`: the chrome every page shares (title, navigation, user, CSRF token, flash).

use super::assets;
use super::context::RequestCtx;
use super::cookies::Flash;

/// Which navigation entry is highlighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// No entry (login, errors).
    None,
    /// The team inbox.
    Inbox,
    /// Contacts.
    Contacts,
    /// Orders.
    Orders,
    /// Broadcasts.
    Campaigns,
    /// Reports.
    Reports,
    /// Settings.
    Settings,
}

/// The signed-in user as the layout shows them.
#[derive(Debug, Clone)]
pub struct UserView {
    /// Display name.
    pub name: String,
    /// Role label.
    pub role: &'static str,
}

/// Shared page chrome; every page struct has one as its `layout` field.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Page title (before " · FlowCRM").
    pub title: String,
    /// Signed-in user; `None` shows the bare layout.
    pub user: Option<UserView>,
    /// CSRF token for every form on the page.
    pub csrf_token: String,
    /// One-shot message.
    pub flash: Option<Flash>,
    /// Highlighted navigation entry.
    pub nav: Nav,
    /// Stylesheet URL with a content hash.
    pub css_url: String,
    /// Script URL with a content hash.
    pub js_url: String,
    /// Icon URL with a content hash.
    pub icon_url: String,
    /// Unread conversations that are the person's or unassigned.
    pub unread: i64,
    /// The person's new-message alerts: "sound", "desktop", both or none (space-separated).
    pub notify: String,
}

impl Layout {
    /// True when the signed-in user is an admin.
    #[must_use]
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == "admin")
    }

    /// True unless the signed-in user is a viewer (who reads and changes nothing): the pages
    /// offer forms that change data only when this holds (the route rules refuse them anyway).
    #[must_use]
    pub fn can_change(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role != "viewer")
    }

    /// Chrome for a page of this request.
    #[must_use]
    pub fn new(ctx: &RequestCtx, title: impl Into<String>, nav: Nav) -> Self {
        Self {
            user: ctx.session.as_ref().map(|s| UserView {
                name: s.user.display_name().to_string(),
                role: s.user.role.as_str(),
            }),
            csrf_token: ctx.csrf_token.clone(),
            flash: ctx.flash.clone(),
            nav,
            unread: ctx.unread,
            notify: ctx.session.as_ref().map_or_else(String::new, |s| {
                let p = &s.user.prefs;
                [(p.notify_sound, "sound"), (p.notify_desktop, "desktop")]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, n)| *n)
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
            ..Self::bare(title)
        }
    }

    /// Chrome with no user, for error pages.
    #[must_use]
    pub fn bare(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            user: None,
            csrf_token: String::new(),
            flash: None,
            nav: Nav::None,
            css_url: assets::url("app.css"),
            js_url: assets::url("app.js"),
            icon_url: assets::url("icon.svg"),
            unread: 0,
            notify: String::new(),
        }
    }

    /// True when the entry named `name` is highlighted (used by the template).
    /// The unread count as shown: `99+` from the cap up.
    #[must_use]
    pub fn unread_text(&self) -> String {
        unread_text(self.unread)
    }

    #[must_use]
    pub fn current(&self, name: &str) -> bool {
        let this = match self.nav {
            Nav::None => "",
            Nav::Inbox => "inbox",
            Nav::Contacts => "contacts",
            Nav::Orders => "orders",
            Nav::Campaigns => "campaigns",
            Nav::Reports => "reports",
            Nav::Settings => "settings",
        };
        this == name
    }
}

/// An unread count as the tab title and the Inbox item show it (`99+` from the cap up).
#[must_use]
pub fn unread_text(n: i64) -> String {
    if n >= crate::db::inbox::UNREAD_CAP {
        format!("{}+", crate::db::inbox::UNREAD_CAP - 1)
    } else {
        n.to_string()
    }
}
