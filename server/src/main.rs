//! `tidings`: serve the app, or play a provider against a running one.

use clap::Parser;
use tidings::cli::{Cli, Command};
use tidings::config::Settings;
use tidings::{telemetry, Application};

fn main() -> anyhow::Result<()> {
    // Before the runtime starts its threads: both settings are process-wide.
    tidings::os::prepare();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    dotenvy::dotenv().ok();
    telemetry::init();
    let cli = Cli::parse();
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Simulate(command) => tidings::cli::simulate::run(command, &settings).await,
        Command::Admin(command) => tidings::cli::admin::run(command, &settings).await,
        Command::Platform(command) => tidings::cli::platform::run(command, &settings).await,
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let leptos_options = leptos::config::get_configuration(None)?.leptos_options;
    let app = Application::build(settings, leptos_options).await?;
    let url = format!("http://{}", app.local_addr());
    tracing::info!(%url, "Tidings is listening");
    if let Some(admin) = &app.first_admin {
        match &admin.password_file {
            Some(path) => println!("Sign in at {url}/login as {} (password in {})", admin.email, path.display()),
            None => println!("Sign in at {url}/login as {}", admin.email),
        }
    }
    println!("Tidings is running at {url} (the connect page: {url}/register/connect)");
    app.run_until_stopped(shutdown_signal()).await?;
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
