//! `tidings admin …`: set up tenants, staff and API keys from the shell, so a
//! deployment or a test needs no clicking. Works on the configured database
//! directly (a running server may share it).

use crate::accounts;
use crate::config::Settings;
use crate::store;
use app::protocol::{Role, TenantId};
use clap::{Subcommand, ValueEnum};

#[derive(Subcommand, Debug)]
pub enum Admin {
    /// Create a tenant; prints its id.
    CreateTenant {
        #[arg(long)]
        name: String,
    },
    /// Add a user to a tenant, creating the account if needed (its first
    /// password is printed once unless --password is given).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        tenant: i64,
        #[arg(long, value_enum, default_value_t = RoleArg::Staff)]
        role: RoleArg,
        #[arg(long, env = "TIDINGS_NEW_USER_PASSWORD")]
        password: Option<String>,
    },
    /// Issue an API key for a tenant; printed once.
    CreateApiKey {
        #[arg(long)]
        tenant: i64,
        #[arg(long)]
        name: String,
    },
    /// Copy this installation's SQLite database (DATABASE_URL, or the data
    /// directory's file) into an empty PostgreSQL database; then start the
    /// nodes with DATABASE_URL set to it. Stop the server first.
    CopyToPostgres {
        /// The PostgreSQL database, `postgres://user@host:port/name`.
        #[arg(long)]
        to: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoleArg {
    Admin,
    Staff,
}

pub async fn run(command: Admin, settings: &Settings) -> anyhow::Result<()> {
    if let Admin::CopyToPostgres { to } = &command {
        for (table, rows) in store::copy::sqlite_to_postgres(&settings.database_url, to).await? {
            println!("{table}: {rows} rows");
        }
        return Ok(());
    }
    let store = store::connect(&settings.database_url).await?;
    let store = store.as_ref();
    let exists = |tenant: i64| async move {
        store.tenant_name(TenantId(tenant)).await?.ok_or_else(|| anyhow::anyhow!("no tenant {tenant}")).map(|_| TenantId(tenant))
    };
    match command {
        Admin::CreateTenant { name } => {
            let tenant = accounts::create_tenant(store, &name, None).await?;
            println!("{tenant}");
        }
        Admin::CreateUser { email, tenant, role, password } => {
            let role = match role {
                RoleArg::Admin => Role::Admin,
                RoleArg::Staff => Role::Staff,
            };
            let added = accounts::add_member(store, exists(tenant).await?, &email, role, password, None).await?;
            match added.initial_password {
                Some(password) => println!("{} added; first password: {password}", added.member.email),
                None => println!("{} added", added.member.email),
            }
        }
        Admin::CreateApiKey { tenant, name } => {
            let created = accounts::create_api_key(store, exists(tenant).await?, &name, None).await?;
            println!("{}", created.secret);
        }
        Admin::CopyToPostgres { .. } => unreachable!("handled above"),
    }
    Ok(())
}
