//! A real SMTP server on loopback (aiosmtpd, from PyPI) that writes each accepted message to
//! a folder, and a test CA for its TLS certificate.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// How the server is started.
#[derive(Default)]
pub struct Options<'a> {
    /// `none`, `starttls` or `implicit`.
    pub tls: &'a str,
    /// Require AUTH with this login and password.
    pub auth: Option<(&'a str, &'a str)>,
    /// Refuse the first DATA commands with these codes (`451`, `421`, `550`).
    pub data_replies: &'a [&'a str],
    /// Wait after DATA, before the final reply, until this file exists.
    pub hold: Option<&'a Path>,
}

/// The running server; stopped when dropped.
pub struct Smtp {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Smtp {
    /// Starts a server writing messages to `dir`; TLS modes use `pki`'s certificate.
    pub fn start(dir: &Path, pki: Option<&Pki>, o: &Options) -> Smtp {
        std::fs::create_dir_all(dir).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let mut cmd = Command::new("python3");
        cmd.arg(script)
            .arg("--dir")
            .arg(dir)
            .arg("--tls")
            .arg(if o.tls.is_empty() { "none" } else { o.tls });
        if let Some(p) = pki {
            cmd.arg("--cert").arg(&p.cert).arg("--key").arg(&p.key);
        }
        if let Some((user, password)) = o.auth {
            cmd.args(["--user", user, "--password", password]);
        }
        if !o.data_replies.is_empty() {
            cmd.args(["--data-replies", &o.data_replies.join(",")]);
        }
        if let Some(hold) = o.hold {
            cmd.arg("--hold").arg(hold);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the SMTP server did not start: {line:?}"));
        Smtp {
            child,
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// A plain (no TLS, no AUTH) server writing messages to `dir`.
    pub fn plain(dir: &Path) -> Smtp {
        Smtp::start(
            dir,
            None,
            &Options {
                tls: "none",
                ..Default::default()
            },
        )
    }

    /// The messages received so far, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
            .collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test CA and a server certificate it signed, for `localhost` and `127.0.0.1`.
pub struct Pki {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Pki {
    /// Writes `ca.pem`, `server.pem` and `server.key` to `dir`.
    pub fn new(dir: &Path) -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
        std::fs::create_dir_all(dir).unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();
        let pki = Pki {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        };
        std::fs::write(&pki.ca, ca_cert.pem()).unwrap();
        std::fs::write(&pki.cert, cert.pem()).unwrap();
        std::fs::write(&pki.key, key.serialize_pem()).unwrap();
        pki
    }
}
