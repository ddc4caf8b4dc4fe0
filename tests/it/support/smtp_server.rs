//! The SMTP server itself: one thread accepting on loopback, one per connection, speaking
//! enough of RFC 5321 for lettre (EHLO, STARTTLS, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA,
//! RSET, NOOP, QUIT), with TLS from rustls, either from the first byte or after STARTTLS.
//! Written for the tests so that `cargo test` needs nothing but the Rust toolchain.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// How the server behaves, shared by every connection.
pub struct Behaviour {
    /// `none`, `starttls` or `implicit`.
    pub tls: String,
    /// Present when TLS is on.
    pub tls_config: Option<Arc<rustls::ServerConfig>>,
    /// Required AUTH login and password.
    pub auth: Option<(String, String)>,
    /// Replies still to give to DATA instead of accepting, first first.
    pub data_replies: Mutex<Vec<String>>,
    /// Wait after DATA, before the final reply, until this file exists.
    pub hold: Option<PathBuf>,
    /// Where accepted messages go, as NNN.eml.
    pub dir: PathBuf,
    /// Messages accepted so far.
    pub count: Mutex<usize>,
}

/// Accepts connections until `stop` is set (and a connection wakes the listener).
pub fn serve(listener: TcpListener, b: Arc<Behaviour>, stop: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let b = b.clone();
        std::thread::spawn(move || {
            // A client that hangs up mid-session is not the server's failure.
            let _ = Session::open(stream, &b).and_then(|mut s| s.talk(&b));
        });
    }
}

/// A connection, in the clear or under TLS.
enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

struct Session {
    conn: Option<Conn>,
    buf: Vec<u8>,
    tls: bool,
    authed: bool,
}

fn tls(stream: TcpStream, config: &Arc<rustls::ServerConfig>) -> io::Result<Conn> {
    let server = rustls::ServerConnection::new(config.clone()).map_err(io::Error::other)?;
    Ok(Conn::Tls(Box::new(rustls::StreamOwned::new(
        server, stream,
    ))))
}

impl Session {
    fn open(stream: TcpStream, b: &Behaviour) -> io::Result<Session> {
        let implicit = b.tls == "implicit";
        let conn = match (&b.tls_config, implicit) {
            (Some(config), true) => tls(stream, config)?,
            _ => Conn::Plain(stream),
        };
        Ok(Session {
            conn: Some(conn),
            buf: Vec::new(),
            tls: implicit,
            authed: false,
        })
    }

    fn conn(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("a connection")
    }

    fn say(&mut self, line: &str) -> io::Result<()> {
        let conn = self.conn();
        conn.write_all(format!("{line}\r\n").as_bytes())?;
        conn.flush()
    }

    /// One line without its CRLF; an error at the end of the stream.
    fn line(&mut self) -> io::Result<String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..i + 2).take(i).collect();
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            let mut chunk = [0u8; 8192];
            let n = self.conn().read(&mut chunk)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn talk(&mut self, b: &Behaviour) -> io::Result<()> {
        self.say("220 localhost ESMTP creditwatch test server")?;
        loop {
            let line = self.line()?;
            let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "EHLO" | "HELO" => self.hello(b)?,
                "STARTTLS" => self.start_tls(b)?,
                "AUTH" => self.auth(b, &line)?,
                "MAIL" => self.mail(b)?,
                "RCPT" | "RSET" | "NOOP" => self.say("250 2.0.0 OK")?,
                "DATA" => {
                    if !self.data(b)? {
                        return Ok(());
                    }
                }
                "QUIT" => return self.say("221 2.0.0 Bye"),
                _ => self.say("500 5.5.2 Command not recognized")?,
            }
        }
    }

    fn hello(&mut self, b: &Behaviour) -> io::Result<()> {
        self.say("250-localhost")?;
        if b.tls == "starttls" && !self.tls {
            self.say("250-STARTTLS")?;
        }
        if b.auth.is_some() && (self.tls || b.tls == "none") {
            self.say("250-AUTH PLAIN LOGIN")?;
        }
        self.say("250 8BITMIME")
    }

    fn start_tls(&mut self, b: &Behaviour) -> io::Result<()> {
        let Some(config) = b.tls_config.as_ref().filter(|_| !self.tls) else {
            return self.say("454 4.7.0 TLS not available");
        };
        self.say("220 2.0.0 Ready to start TLS")?;
        // The client waits for the 220 before its handshake: nothing can be buffered.
        assert!(self.buf.is_empty(), "data sent before the TLS handshake");
        let Some(Conn::Plain(stream)) = self.conn.take() else {
            unreachable!("STARTTLS on a plain connection only")
        };
        self.conn = Some(tls(stream, config)?);
        self.tls = true;
        Ok(())
    }

    fn auth(&mut self, b: &Behaviour, line: &str) -> io::Result<()> {
        let mut words = line.split(' ').skip(1);
        let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
        let (login, password) = match mechanism.as_str() {
            "PLAIN" => {
                let answer = if let Some(a) = words.next() {
                    a.to_string()
                } else {
                    self.say("334 ")?;
                    self.line()?
                };
                let raw = B64.decode(answer.trim()).unwrap_or_default();
                let mut parts = raw.split(|&c| c == 0).skip(1);
                let mut next = || String::from_utf8_lossy(parts.next().unwrap_or(b"")).into_owned();
                (next(), next())
            }
            "LOGIN" => {
                self.say("334 VXNlcm5hbWU6")?;
                let login = self.line()?;
                self.say("334 UGFzc3dvcmQ6")?;
                let password = self.line()?;
                let decode = |s: &str| {
                    String::from_utf8_lossy(&B64.decode(s.trim()).unwrap_or_default()).into_owned()
                };
                (decode(&login), decode(&password))
            }
            _ => return self.say("504 5.5.4 Unrecognized authentication type"),
        };
        match &b.auth {
            Some((l, p)) if *l == login && *p == password => {
                self.authed = true;
                self.say("235 2.7.0 Authentication successful")
            }
            _ => self.say("535 5.7.8 Authentication credentials invalid"),
        }
    }

    fn mail(&mut self, b: &Behaviour) -> io::Result<()> {
        if b.tls == "starttls" && !self.tls {
            self.say("530 5.7.0 Must issue a STARTTLS command first")
        } else if b.auth.is_some() && !self.authed {
            self.say("530 5.7.0 Authentication required")
        } else {
            self.say("250 2.1.0 OK")
        }
    }

    /// Reads a message and answers it; `false` when the answer closes the connection.
    fn data(&mut self, b: &Behaviour) -> io::Result<bool> {
        self.say("354 End data with <CR><LF>.<CR><LF>")?;
        let mut message = Vec::new();
        loop {
            let line = self.line()?;
            if line == "." {
                break;
            }
            let line = line.strip_prefix('.').unwrap_or(&line);
            message.extend_from_slice(line.as_bytes());
            message.extend_from_slice(b"\r\n");
        }
        if let Some(hold) = &b.hold {
            wait_for(hold);
        }
        let scripted = {
            let mut replies = b.data_replies.lock().unwrap();
            (!replies.is_empty()).then(|| replies.remove(0))
        };
        match scripted.as_deref() {
            Some("451") => self.say("451 4.3.0 Try again later").map(|()| true),
            Some("421") => self
                .say("421 4.3.2 Shutting down, try again later")
                .map(|()| false),
            Some("550") => self.say("550 5.1.1 No such mailbox").map(|()| true),
            Some(other) => panic!("no scripted reply {other}"),
            None => {
                keep(b, &message)?;
                self.say("250 2.0.0 OK").map(|()| true)
            }
        }
    }
}

/// Writes the message as the next NNN.eml, whole or not at all.
fn keep(b: &Behaviour, message: &[u8]) -> io::Result<()> {
    let mut count = b.count.lock().unwrap();
    *count += 1;
    let path = b.dir.join(format!("{:03}.eml", *count));
    let tmp = path.with_extension("eml.tmp");
    std::fs::write(&tmp, message)?;
    std::fs::rename(&tmp, &path)
}

/// Says it reached DATA (`<hold>.reached`), then waits for the test to create `hold`.
fn wait_for(hold: &Path) {
    let mut reached = hold.as_os_str().to_owned();
    reached.push(".reached");
    std::fs::write(&reached, "data").unwrap();
    while !hold.exists() {
        // Polls a file the test creates: the server has no other way to be told.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
