//! Domain types only: ids, newtypes that parse their input, enums. No IO; imports nothing internal.

mod user;

pub use user::{Email, EmailError, Role, User, UserId};
