//! First run: with no accounts yet, create the first tenant and its admin,
//! so the app is usable with zero configuration. `TIDINGS_ADMIN_EMAIL` and
//! `TIDINGS_ADMIN_PASSWORD` choose the admin; otherwise a demo admin is made
//! and its password written to the data directory (never logged).

use super::secrets;
use crate::config::Settings;
use crate::store::{NewUser, Store};
use app::protocol::Role;
use chrono::Utc;

pub const DEMO_ADMIN: &str = "admin@tidings.local";

/// What to tell the person who started the server.
pub struct Created {
    pub email: String,
    /// Where the generated password was written, if one was generated.
    pub password_file: Option<std::path::PathBuf>,
}

pub async fn first_run(store: &dyn Store, settings: &Settings) -> anyhow::Result<Option<Created>> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let (email, password, password_file) = match &settings.admin {
        Some((email, password)) => (email.clone(), secrecy::ExposeSecret::expose_secret(password).to_owned(), None),
        None => {
            let password = secrets::new_password();
            let path = settings.data_dir.join("admin-password");
            std::fs::create_dir_all(&settings.data_dir)?;
            crate::config::write_private(&path, &password)?;
            (DEMO_ADMIN.to_owned(), password, Some(path))
        }
    };
    let tenant = store.create_tenant(&settings.first_tenant_name, Utc::now()).await?;
    let hash = secrets::hash_password(password).await?;
    let user = store
        .create_user(&NewUser { email: &email, name: Some("Administrator"), password_hash: &hash, is_operator: true }, Utc::now())
        .await?;
    store.set_membership(user, tenant, Role::Admin).await?;
    tracing::info!(%email, %tenant, "created the first tenant and its admin");
    Ok(Some(Created { email, password_file }))
}
