//! A real HTTP/1.1 server on loopback for tests: each request is answered by a closure
//! that sees the method, path and headers, and every request is kept for assertions.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The value of a header (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What to answer.
pub enum Answer {
    /// A status, extra headers and a body.
    Reply(u16, Vec<(String, String)>, Vec<u8>),
    /// Never answer (until the server is dropped).
    Silence,
}

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Answer {
        Answer::Reply(
            status,
            vec![("Content-Type".into(), "application/json".into())],
            body.into(),
        )
    }
}

type Handler = dyn Fn(&Request) -> Answer + Send + Sync;

/// The running server; dropping it releases silent connections.
pub struct Server {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Request>>>,
    _hold: mpsc::Sender<()>,
}

impl Server {
    /// Starts a server on `127.0.0.1:0`.
    pub fn start(handler: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (hold, released) = mpsc::channel::<()>();
        let released = Arc::new(Mutex::new(released));
        let seen = requests.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (handler, seen, released) = (handler.clone(), seen.clone(), released.clone());
                thread::spawn(move || serve(stream, &*handler, &seen, &released));
            }
        });
        Server {
            base_url,
            requests,
            _hold: hold,
        }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// How many requests asked for a path starting with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path.starts_with(prefix))
            .count()
    }
}

fn serve(
    stream: TcpStream,
    handler: &Handler,
    seen: &Mutex<Vec<Request>>,
    released: &Mutex<mpsc::Receiver<()>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let method = line.split_whitespace().next().unwrap_or("").to_string();
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            return;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
        return;
    }
    let request = Request {
        method,
        path,
        headers,
        body,
    };
    seen.lock().unwrap().push(request.clone());
    match handler(&request) {
        Answer::Silence => {
            // Blocks until the test drops the server.
            let _ = released.lock().unwrap().recv();
        }
        Answer::Reply(status, extra, body) => {
            let mut out = stream;
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (n, v) in extra {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("\r\n");
            // The client may hang up early (a body over its limit): not the test's concern.
            let _ = out.write_all(head.as_bytes());
            let _ = out.write_all(&body);
            let _ = out.flush();
        }
    }
}
