//! The real `reshelf` binary as a child process: started with a config file, its log lines
//! read as they come, signals sent with `kill`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use tokio::sync::mpsc;

use super::TEST_TOKEN;

pub struct Proc {
    pub child: Child,
    pub public: String,
    pub admin: String,
    pub config_path: PathBuf,
    _dir: tempfile::TempDir,
    lines: mpsc::UnboundedReceiver<String>,
    /// Every line read so far.
    pub log: Vec<String>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    /// `reshelf serve` with `config` (text) and the test token; returns once it listens.
    pub async fn serve(config: &str, rust_log: &str) -> Proc {
        Self::serve_with_env(config, rust_log, &[]).await
    }

    /// As [`Proc::serve`], with more environment variables.
    pub async fn serve_with_env(config: &str, rust_log: &str, env: &[(&str, &str)]) -> Proc {
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("reshelf.toml");
        std::fs::write(&config_path, config).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_reshelf"))
            .args(["serve", "--config"])
            .arg(&config_path)
            .env("FASHIONAI_APP_TOKEN", TEST_TOKEN)
            .env("RUST_LOG", rust_log)
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::unbounded_channel::<String>();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut proc = Proc {
            child,
            public: String::new(),
            admin: String::new(),
            config_path,
            _dir: dir,
            lines,
            log: Vec::new(),
        };
        let line = proc.wait_for("reshelf listening").await;
        let field = |name: &str| {
            line.split(&format!("{name}="))
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or_else(|| panic!("no {name}= in {line}"))
                .to_owned()
        };
        proc.public = field("public");
        proc.admin = field("admin");
        proc
    }

    /// Reads log lines until one contains `needle`; returns it.
    pub async fn wait_for(&mut self, needle: &str) -> String {
        loop {
            let line = self.lines.recv().await.unwrap_or_else(|| {
                panic!("reshelf exited before logging {needle:?}: {:#?}", self.log)
            });
            self.log.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// Sends `signal` (`TERM`, `HUP`, ...).
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Every line logged so far, the pending ones included.
    pub fn drain_log(&mut self) -> String {
        while let Ok(line) = self.lines.try_recv() {
            self.log.push(line);
        }
        self.log.join("\n")
    }
}
