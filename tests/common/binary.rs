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
        Self::start(config, rust_log, None, &[]).await
    }

    /// As [`Proc::serve`], with more environment variables.
    pub async fn serve_with_env(config: &str, rust_log: &str, env: &[(&str, &str)]) -> Proc {
        Self::start(config, rust_log, None, env).await
    }

    /// As [`Proc::serve`], under a `nofile` limit of `nofile` (soft and hard), set by the
    /// `ulimit -n` of a `sh` that then execs reshelf.
    pub async fn serve_with_nofile(config: &str, rust_log: &str, nofile: u32) -> Proc {
        Self::start(config, rust_log, Some(nofile), &[]).await
    }

    async fn start(
        config: &str,
        rust_log: &str,
        nofile: Option<u32>,
        env: &[(&str, &str)],
    ) -> Proc {
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("reshelf.toml");
        std::fs::write(&config_path, config).unwrap();
        let binary = env!("CARGO_BIN_EXE_reshelf");
        let mut command = match nofile {
            None => Command::new(binary),
            Some(n) => {
                let mut sh = Command::new("sh");
                sh.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(binary);
                sh
            }
        };
        let mut child = command
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
