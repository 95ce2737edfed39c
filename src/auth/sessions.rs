//! A person's own sessions: the list (browser, address, sign-in, last seen) and ending one or
//! every other. Audited. (An admin ending someone else's sessions is a `crm::team` use case.)

use super::{Auth, ClientInfo, Result, audit};
use crate::db::{self, sessions::SessionRow};
use crate::model::User;

impl Auth {
    /// `user`'s live sessions, most recently used first.
    pub async fn my_sessions(&self, user: &User) -> Result<Vec<SessionRow>> {
        let (id, now, idle) = (user.id, self.clock.now(), self.policy.idle);
        Ok(self
            .db
            .read(move |c| db::sessions::for_user(c, id, now, idle))
            .await?)
    }

    /// Ends `user`'s session `id` (not someone else's); false when there is no such session.
    pub async fn end_my_session(&self, user: &User, id: i64, client: &ClientInfo) -> Result<bool> {
        let entry = audit(
            self.clock.now(),
            Some(user.id),
            "session.ended",
            user.email.as_str(),
            client,
        );
        let uid = user.id;
        Ok(self
            .db
            .write(move |c| -> db::Result<bool> {
                let ended = db::sessions::delete_own(c, id, uid)?;
                if ended {
                    db::audit::record(c, &entry)?;
                }
                Ok(ended)
            })
            .await?)
    }

    /// Ends every session of `user` except `keep` (the one in use); returns how many.
    pub async fn end_other_sessions(
        &self,
        user: &User,
        keep: i64,
        client: &ClientInfo,
    ) -> Result<usize> {
        let mut entry = audit(
            self.clock.now(),
            Some(user.id),
            "session.ended_others",
            user.email.as_str(),
            client,
        );
        let uid = user.id;
        Ok(self
            .db
            .write(move |c| -> db::Result<usize> {
                let n = db::sessions::delete_for_user_except(c, uid, keep)?;
                entry.detail = format!("{n} session(s)");
                db::audit::record(c, &entry)?;
                Ok(n)
            })
            .await?)
    }
}
