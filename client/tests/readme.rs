//! README's "Syncing with your partner", run literally: the commands are read from README.md
//! itself, so this test fails as soon as the README drifts from what the CLI does.
//!
//! The block is interpreted line by line, as a person would type it: `together-server serve`
//! starts a real server (on a free loopback port instead of 8787), `export NAME=...` sets the
//! variable, `# on your partner's device:` and `# on your device:` switch between two data
//! directories, and every `together ...` line runs the real binary. Placeholders are filled the way
//! a person fills them: the server address (`…` or the default `http://127.0.0.1:8787`) with the
//! running server's, the pairing code (`HLZK-7EHE-…`) with the code `pair invite` printed.
//! `together sync --watch` runs in the background until the steps after it have reached it.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use tokio::net::TcpListener;

/// The shell block under README's "## Syncing with your partner" heading.
fn readme_steps() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md is readable");
    let section = readme
        .split("## Syncing with your partner")
        .nth(1)
        .expect("README has a \"Syncing with your partner\" section");
    let block = section
        .split("```sh")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the section opens with a ```sh block");
    block
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Kills a background `together` when the test ends, whatever happens.
struct Background(Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The lines a background process writes to a stream, as they come.
fn lines_of(stream: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    receive
}

/// Waits for a line containing `needle`; panics with what was seen otherwise.
fn wait_for(lines: &Receiver<String>, needle: &str) -> String {
    let mut seen = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(20)) {
        if line.contains(needle) {
            return line;
        }
        seen.push(line);
    }
    panic!("no line with {needle:?}; saw {seen:#?}");
}

/// The state of the reading: which device types, what the shell knows.
struct Shell {
    devices: [PathBuf; 2],
    /// 0: your device; 1: your partner's.
    at: usize,
    env: Vec<(String, String)>,
    server: Option<String>,
    code: Option<String>,
    watchers: Vec<(usize, Background, Receiver<String>)>,
    /// The `--name` each device signed up with.
    names: [Option<String>; 2],
}

impl Shell {
    fn command(&self, args: &[String]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_together"));
        command
            .args(args)
            .env("TOGETHER_DATA_DIR", &self.devices[self.at])
            // Tests never touch a real keyring: the README's own fallback for such machines.
            .env("TOGETHER_SECRET_STORE", "file")
            .env_remove("TOGETHER_PASSWORD");
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    /// A README word as the person types it.
    fn fill(&self, previous: Option<&str>, word: &str) -> String {
        let server = || {
            self.server
                .clone()
                .expect("the server runs before it is named")
        };
        match (previous, word) {
            (Some("--server"), "…" | "http://127.0.0.1:8787") => server(),
            (Some("join"), code) if code.ends_with('…') => {
                self.code.clone().expect("pair invite printed a code first")
            }
            _ => word.to_owned(),
        }
    }

    fn run(&mut self, line: &str) -> Output {
        let words: Vec<&str> = line.split_whitespace().skip(1).collect();
        let args: Vec<String> = words
            .iter()
            .enumerate()
            .map(|(i, word)| self.fill(i.checked_sub(1).map(|p| words[p]), word))
            .collect();
        let signup = args.starts_with(&["account".to_owned(), "signup".to_owned()]);
        if let Some(name) = args.iter().position(|a| a == "--name").filter(|_| signup) {
            self.names[self.at] = args.get(name + 1).cloned();
        }
        if args == ["sync", "--watch"] {
            let mut child = self
                .command(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let lines = lines_of(child.stderr.take().unwrap());
            let reports = lines_of(child.stdout.take().unwrap());
            wait_for(&lines, "watching");
            self.watchers.push((self.at, Background(child), reports));
            return Output {
                status: std::process::ExitStatus::default(),
                stdout: Vec::new(),
                stderr: Vec::new(),
            };
        }
        let output = self.command(&args).output().unwrap();
        assert!(
            output.status.success(),
            "README step `{line}` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        if args.starts_with(&["pair".to_owned(), "invite".to_owned()]) {
            let printed = String::from_utf8(output.stdout.clone()).unwrap();
            self.code = printed.lines().next().map(str::to_owned);
        }
        output
    }
}

async fn start_server(dir: &Path) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let config = together_server::Config {
        listen: address,
        data_dir: dir.join("server"),
        ..together_server::Config::default()
    };
    tokio::spawn(together_server::launch(
        config,
        listener,
        std::future::pending(),
    ));
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_syncing_steps_work_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Shell {
        devices: [dir.path().join("yours"), dir.path().join("partners")],
        at: 0,
        env: Vec::new(),
        server: None,
        code: None,
        watchers: Vec::new(),
        names: [None, None],
    };
    let steps = readme_steps();
    assert!(
        steps.iter().any(|s| s.starts_with("together pair invite")),
        "{steps:#?}"
    );
    for step in &steps {
        let command = if step.starts_with('#') {
            ""
        } else {
            step.split(" #").next().unwrap_or(step).trim()
        };
        match command {
            "" if step.starts_with("# on your partner's device") => shell.at = 1,
            "" if step.starts_with("# on your device") => shell.at = 0,
            "" => {}
            "together-server serve" => shell.server = Some(start_server(dir.path()).await),
            _ if command.starts_with("export ") => {
                let (name, _) = command["export ".len()..].split_once('=').unwrap();
                // The reader picks a password; "..." stands for it.
                shell
                    .env
                    .push((name.to_owned(), "correct horse battery staple".to_owned()));
            }
            _ if command.starts_with("together ") => {
                shell.run(command);
            }
            other => panic!("README step not understood by this test: {other:?}"),
        }
    }

    // Both devices signed up with a person's name, and the partner sees it in what they read.
    let [Some(yours), Some(theirs)] = shell.names.clone() else {
        panic!("both devices sign up with --name: {steps:#?}");
    };
    for name in [&yours, &theirs] {
        assert!(
            !together_client::profile::reads_as_pronoun(name),
            "the README signs up as {name:?}, which the partner would read as a pronoun"
        );
    }
    // What you planned after pairing reached the partner's watcher, and their notifications name
    // you by your name.
    let (_, watcher, lines) = shell.watchers.pop().expect("the README ends watching");
    // The watcher prints a line per sync: its own first one may change nothing, and what the
    // partner's device did before the plan (pairing, the profile) may arrive in a sync of its own
    // before the plan does. Read the notifications after each line that changed something.
    let mut seen = Vec::new();
    loop {
        let line = wait_for(&lines, "records changed");
        if !line.contains("(0 records changed)") {
            shell.at = 1;
            let listed = shell.run("together notifications");
            let listed = String::from_utf8(listed.stdout).unwrap();
            if listed.contains(&format!("{yours} planned: Picnic")) {
                break;
            }
        }
        seen.push(line);
        assert!(seen.len() < 8, "the plan did not arrive: {seen:#?}");
    }
    drop(watcher);
    let listed = shell.run("together relationships");
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(listed.contains(&format!("with {yours}")), "{listed}");
}
