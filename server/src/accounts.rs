//! Account operations shared by the settings API and the `admin` command:
//! creating tenants, inviting and adding staff, issuing API keys. Each one
//! is logged in the tenant's activity log.

use crate::auth::secrets;
use crate::store::{Activity, NewInvitation, NewUser, Store};
use app::protocol::{ActivityKind, AddedMember, CreatedApiKey, CreatedInvitation, MemberView, Role, TenantId};
use chrono::Utc;

/// Creates a tenant; `admin`, when given, becomes its admin.
pub async fn create_tenant(store: &dyn Store, name: &str, admin: Option<(i64, &str)>) -> anyhow::Result<TenantId> {
    let name = name.trim();
    anyhow::ensure!(!name.is_empty(), "a tenant needs a name");
    let tenant = store.create_tenant(name, Utc::now()).await?;
    if let Some((user, _)) = admin {
        store.set_membership(user, tenant, Role::Admin).await?;
    }
    let activity = Activity {
        tenant: Some(tenant),
        actor: admin.map(|(_, email)| email),
        kind: ActivityKind::TenantCreated,
        detail: format!("created tenant “{name}”"),
    };
    store.log_activity(&activity, Utc::now()).await?;
    Ok(tenant)
}

/// How long an invitation link works.
const INVITATION_TTL: chrono::Duration = chrono::Duration::days(7);

fn checked_email(email: &str) -> anyhow::Result<String> {
    let email = email.trim().to_lowercase();
    anyhow::ensure!(
        email.contains('@') && email.len() <= 254 && !email.chars().any(char::is_whitespace),
        "`{email}` is not an email address"
    );
    Ok(email)
}

/// Invites `email` to `tenant` with `role`: a one-time link for the admin
/// to hand over. Whoever opens it signs in to that account (or creates it,
/// if there is none) to join, so an admin can never add an account that
/// someone else controls, and learns nothing about which accounts exist.
pub async fn invite(
    store: &dyn Store,
    tenant: TenantId,
    email: &str,
    role: Role,
    actor: Option<&str>,
) -> anyhow::Result<CreatedInvitation> {
    let email = checked_email(email)?;
    let token = crate::random_token(24);
    let now = Utc::now();
    let expires_at = now + INVITATION_TTL;
    let hash = secrets::token_hash(&token);
    let new = NewInvitation { token_hash: &hash, tenant, email: &email, role, created_by: actor, expires_at };
    store.create_invitation(&new, now).await?;
    let detail = format!("invited {email} as {}", role_name(role));
    store.log_activity(&Activity { tenant: Some(tenant), actor, kind: ActivityKind::StaffInvited, detail }, now).await?;
    Ok(CreatedInvitation { email, role, url: format!("/invite?token={token}"), expires_at })
}

fn role_name(role: Role) -> &'static str {
    if role == Role::Admin {
        "admin"
    } else {
        "staff"
    }
}

/// Adds `email` to `tenant` with `role`, creating the account (with a
/// first password, returned once) if it does not exist yet. For operators
/// (the `admin` command); the settings API invites instead.
pub async fn add_member(
    store: &dyn Store,
    tenant: TenantId,
    email: &str,
    role: Role,
    password: Option<String>,
    actor: Option<&str>,
) -> anyhow::Result<AddedMember> {
    let email = checked_email(email)?;
    let (user, name, initial_password) = match store.user_by_email(&email).await? {
        Some(user) => (user.id, user.name, None),
        None => {
            let password = password.unwrap_or_else(secrets::new_password);
            let hash = secrets::hash_password(password.clone()).await?;
            let new = NewUser { email: &email, name: None, password_hash: &hash, is_operator: false };
            (store.create_user(&new, Utc::now()).await?, None, Some(password))
        }
    };
    store.set_membership(user, tenant, role).await?;
    let detail = format!("added {email} as {}", role_name(role));
    store.log_activity(&Activity { tenant: Some(tenant), actor, kind: ActivityKind::StaffAdded, detail }, Utc::now()).await?;
    Ok(AddedMember { member: MemberView { user_id: user, email, name, role }, initial_password })
}

/// Issues an API key for `tenant`; its secret is returned once and only its
/// hash is stored.
pub async fn create_api_key(store: &dyn Store, tenant: TenantId, name: &str, actor: Option<&str>) -> anyhow::Result<CreatedApiKey> {
    let name = name.trim();
    anyhow::ensure!(!name.is_empty(), "an API key needs a name");
    let (secret, prefix) = secrets::new_api_key();
    let key = store.create_api_key(tenant, name, &prefix, &secrets::token_hash(&secret), Utc::now()).await?;
    let detail = format!("created API key “{name}” ({prefix}…)");
    store.log_activity(&Activity { tenant: Some(tenant), actor, kind: ActivityKind::ApiKeyCreated, detail }, Utc::now()).await?;
    Ok(CreatedApiKey { key, secret })
}

/// Whether `user` is a member of `tenant`.
pub async fn is_member(store: &dyn Store, tenant: TenantId, user: i64) -> crate::store::StoreResult<bool> {
    Ok(store.memberships(user).await?.iter().any(|m| m.tenant_id == tenant))
}
