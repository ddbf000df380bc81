//! A TLS-terminating front on 127.0.0.1, as an operator puts one before the
//! reference server (which speaks plain HTTP): it accepts TLS with a
//! certificate from a throwaway CA and passes the bytes on to the server, so
//! the phone's side is tested over real HTTPS, certificate checks included.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};

pub struct TlsFront {
    /// `https://127.0.0.1:PORT`: the server's public URL.
    pub url: String,
    /// The CA's certificate (PEM): what a client must trust.
    pub ca_file: PathBuf,
    listener: Option<TcpListener>,
    acceptor: tokio_rustls::TlsAcceptor,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for TlsFront {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFront")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl TlsFront {
    /// Listens at once (so the URL can be the server's public URL before the
    /// server starts); `forward_to` starts serving.
    pub async fn bind() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        // HTTP/1.1 only: the bytes go to the server as they came.
        let (ca_pem, config) =
            crate::test_ca::server_config("Countersign test front CA", &[b"http/1.1"]);
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("front-ca.pem");
        std::fs::write(&ca_file, ca_pem).unwrap();
        Self {
            url: format!("https://{address}"),
            ca_file,
            listener: Some(listener),
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            task: None,
            _dir: dir,
        }
    }

    /// Passes every connection, once its TLS handshake is done, to `backend`.
    pub fn forward_to(&mut self, backend: SocketAddr) {
        let listener = self.listener.take().expect("forward_to is called once");
        let acceptor = self.acceptor.clone();
        self.task = Some(tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let Ok(mut plain) = TcpStream::connect(backend).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        }));
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}
