//! A Tidings server in a process of its own (the binary cargo built for
//! these tests), for the tests that kill it or run two on one database.

use crate::helpers::*;
use std::path::Path;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct ServerProcess {
    pub api: Api,
    child: Child,
}

impl std::ops::Deref for ServerProcess {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

impl ServerProcess {
    /// Starts `tidings serve` on the database in `dir` (port 0 picks a free
    /// one; `port` reuses an address) and signs the first admin in.
    pub async fn start(dir: &Path, port: u16, extra: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tidings"));
        command
            .arg("serve")
            .current_dir(dir)
            .env("LEPTOS_OUTPUT_NAME", "tidings")
            .env("LEPTOS_SITE_ROOT", dir)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("TIDINGS_DATA_DIR", dir)
            .env("WEBHOOK_SECRET", SECRET)
            .env("WHATSAPP_APP_SECRET", APP_SECRET)
            .env("WHATSAPP_WEBHOOK_VERIFY_TOKEN", VERIFY_TOKEN)
            .env("WHATSAPP_SIMULATOR_AUTO", "false")
            .env("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
            .env("TIDINGS_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("TIDINGS_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("SESSIONS_PER_MINUTE_PER_IP", "100000")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        command.envs(crate::backend::vars(dir).await);
        for (k, v) in extra {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("the server starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = tokio::time::timeout(PATIENCE, async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(rest) = line.strip_prefix("Tidings is running at ") {
                    return rest.split_whitespace().next().unwrap().to_owned();
                }
            }
            panic!("the server exited before listening");
        })
        .await
        .expect("the server listens in time");
        // Keep reading, so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let mut api = Api { base, http: reqwest::Client::new(), admin: None };
        api.admin = Some(api.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect("the first admin signs in"));
        Self { api, child }
    }

    /// SIGKILL: no shutdown, no flush, nothing after.
    pub async fn kill(mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }

    /// SIGTERM, and waits for the orderly shutdown.
    pub async fn stop(mut self) {
        let pid = self.child.id().expect("running") as libc::pid_t;
        // SAFETY: `pid` is this test's own child, not yet waited for, so it
        // names no other process.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let status = tokio::time::timeout(PATIENCE, self.child.wait()).await.expect("the server stops in time").unwrap();
        assert!(status.success(), "the server stops cleanly: {status}");
    }
}
