//! A real SMTP server on loopback (`smtp_server`, in Rust) that writes each accepted message
//! to a folder, and a test CA for its TLS certificate.

use super::smtp_server::{Behaviour, serve};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

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
    stop: Arc<AtomicBool>,
    pub port: u16,
    pub dir: PathBuf,
}

impl Smtp {
    /// Starts a server writing messages to `dir`; TLS modes use `pki`'s certificate.
    pub fn start(dir: &Path, pki: Option<&Pki>, o: &Options) -> Smtp {
        std::fs::create_dir_all(dir).unwrap();
        let tls = if o.tls.is_empty() { "none" } else { o.tls };
        let tls_config = (tls != "none").then(|| {
            let pki = pki.expect("a TLS server needs a certificate");
            Arc::new(pki.server_config())
        });
        let count = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .count();
        let behaviour = Arc::new(Behaviour {
            tls: tls.to_string(),
            tls_config,
            auth: o.auth.map(|(l, p)| (l.to_string(), p.to_string())),
            data_replies: Mutex::new(
                o.data_replies
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect(),
            ),
            hold: o.hold.map(Path::to_path_buf),
            dir: dir.to_path_buf(),
            count: Mutex::new(count),
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || serve(listener, behaviour, flag));
        Smtp {
            stop,
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
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so that it sees the flag and returns.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
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

impl Pki {
    /// A rustls server configuration with the server certificate and key.
    pub fn server_config(&self) -> rustls::ServerConfig {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_file_iter(&self.cert)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(&self.key).unwrap();
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap()
    }
}
