//! floor: what this machine's loopback TCP costs with no Tidings in between.
//!
//! These two scenarios measure the machine, not Tidings: they start their
//! own minimal peers (threads of this process, epoll and raw bytes; no
//! async runtime, no HTTP, no WebSocket framing) and time the least any
//! server on these two cores could take for what `fanout` and `ingest` ask
//! of it. Where Tidings misses a target, this is the line it is measured
//! against.
//!
//! - **fanout**: W threads (two by default, as the server's runtime has)
//!   write a frame to each of S sockets; another reads them all with epoll.
//!   Time until every socket has it.
//! - **requests**: C connections each send a request and wait for its
//!   answer, then send the next; the other thread answers each on arrival.
//!   Round trips a second.

use super::us_each;
use crate::clock::now_ns;
use crate::report::Report;
use rustix::buffer::spare_capacity;
use rustix::event::epoll;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A WhatsApp status update as Tidings sends it is about this long.
const FRAME: usize = 400;
/// A platform webhook with its headers, and Tidings' answer to it.
const REQUEST: usize = 450;
const ANSWER: usize = 330;

/// `n` connected loopback pairs: (this end, the far end), both without
/// Nagle's delay as Tidings' sockets are.
fn pairs(n: usize) -> anyhow::Result<(Vec<TcpStream>, Vec<TcpStream>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let (mut near, mut far) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let stream = TcpStream::connect(addr)?;
        let (accepted, _) = listener.accept()?;
        stream.set_nodelay(true)?;
        accepted.set_nodelay(true)?;
        near.push(stream);
        far.push(accepted);
    }
    Ok((near, far))
}

/// Reads fixed-size messages from many streams with epoll.
struct Inbox {
    epoll: OwnedFd,
    size: usize,
    /// Bytes of the current message each stream has delivered.
    got: Vec<usize>,
    buf: Vec<u8>,
    events: Vec<epoll::Event>,
}

/// What [`Inbox::poll`] saw on a stream.
enum Arrival {
    /// A whole message.
    Message,
    /// The peer closed.
    Closed,
}

impl Inbox {
    fn new(streams: &[TcpStream], size: usize) -> anyhow::Result<Self> {
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
        for (i, stream) in streams.iter().enumerate() {
            epoll::add(&epoll, stream, epoll::EventData::new_u64(i as u64), epoll::EventFlags::IN)?;
        }
        let (got, buf) = (vec![0; streams.len()], vec![0; size]);
        Ok(Self { epoll, size, got, buf, events: Vec::with_capacity(1024) })
    }

    /// Waits for input once and reads what is ready; `on(i, stream, …)`
    /// hears of each message completed and each peer closed.
    fn poll(
        &mut self,
        streams: &mut [TcpStream],
        mut on: impl FnMut(usize, &mut TcpStream, Arrival) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.events.clear();
        epoll::wait(&self.epoll, spare_capacity(&mut self.events), None)?;
        for event in &self.events {
            let i = event.data.u64() as usize;
            let n = streams[i].read(&mut self.buf[..self.size - self.got[i]])?;
            if n == 0 {
                epoll::delete(&self.epoll, &streams[i])?;
                on(i, &mut streams[i], Arrival::Closed)?;
                continue;
            }
            self.got[i] += n;
            if self.got[i] == self.size {
                self.got[i] = 0;
                on(i, &mut streams[i], Arrival::Message)?;
            }
        }
        Ok(())
    }
}

/// CPU time this process has used (user + system).
fn cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Reads one message from every stream; returns when each one completed.
fn read_each(inbox: &mut Inbox, streams: &mut [TcpStream]) -> anyhow::Result<Vec<u64>> {
    let mut done_at = vec![0u64; streams.len()];
    let mut remaining = streams.len();
    while remaining > 0 {
        inbox.poll(streams, |i, _, arrival| {
            anyhow::ensure!(matches!(arrival, Arrival::Message), "a loopback peer closed");
            done_at[i] = now_ns();
            remaining -= 1;
            Ok(())
        })?;
    }
    Ok(done_at)
}

/// `writers` threads share the sending, as a server's runtime threads do.
pub fn fanout(sockets: usize, messages: usize, writers: usize) -> anyhow::Result<Report> {
    let (mut near, mut far) = pairs(sockets)?;
    let (done_tx, done_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || -> anyhow::Result<()> {
        let mut inbox = Inbox::new(&near, FRAME)?;
        for _ in 0..messages {
            done_tx.send(read_each(&mut inbox, &mut near)?)?;
        }
        Ok(())
    });
    const FRAME_BYTES: [u8; FRAME] = [b'x'; FRAME];
    fn send(streams: &mut [TcpStream]) -> std::io::Result<()> {
        streams.iter_mut().try_for_each(|stream| stream.write_all(&FRAME_BYTES))
    }
    // This thread sends to the first share; a helper thread to each other.
    let share = sockets.div_ceil(writers.max(1)).max(1);
    let mut rest = far.split_off(share.min(far.len()));
    let mut helpers = Vec::new();
    while !rest.is_empty() {
        let tail = rest.split_off(share.min(rest.len()));
        let (go, went) = mpsc::channel::<()>();
        let mut mine = std::mem::replace(&mut rest, tail);
        let thread = std::thread::spawn(move || -> std::io::Result<()> {
            for () in went {
                send(&mut mine)?;
            }
            Ok(())
        });
        helpers.push((go, thread));
    }
    let (mut all, mut per_socket) = (Vec::with_capacity(messages), Vec::with_capacity(messages * sockets));
    let before = cpu();
    for _ in 0..messages {
        let sent = now_ns();
        for (go, _) in &helpers {
            go.send(())?;
        }
        send(&mut far)?;
        // One at a time, as in `fanout`: the next goes once all have this.
        let Ok(done) = done_rx.recv() else {
            // The reader stopped: its own error says why.
            let stopped = reader.join().map_err(|_| anyhow::anyhow!("the reader panicked"))?;
            return Err(stopped.err().unwrap_or_else(|| anyhow::anyhow!("the reader stopped early")));
        };
        let latency = |at: u64| Duration::from_nanos(at.saturating_sub(sent));
        all.push(latency(done.iter().copied().max().unwrap_or(sent)));
        per_socket.extend(done.into_iter().map(latency));
    }
    let used = cpu() - before;
    reader.join().map_err(|_| anyhow::anyhow!("the reader panicked"))??;
    for (go, thread) in helpers {
        drop(go);
        thread.join().map_err(|_| anyhow::anyhow!("a writer panicked"))??;
    }
    let mut report = Report::new("floor-fanout");
    report
        .add("sockets", sockets as u64)
        .add("writers", writers as u64)
        .add("messages", messages as u64)
        .add("frame_bytes", FRAME as u64)
        .add("cpu_us_per_frame", us_each(used.as_secs_f64(), messages * sockets))
        .latency("all_sockets", &mut all)
        .latency("per_socket", &mut per_socket);
    Ok(report)
}

pub fn requests(count: usize, connections: usize) -> anyhow::Result<Report> {
    let (mut near, mut far) = pairs(connections)?;
    let answerer = std::thread::spawn(move || -> anyhow::Result<()> {
        let mut inbox = Inbox::new(&far, REQUEST)?;
        let mut open = far.len();
        while open > 0 {
            inbox.poll(&mut far, |_, stream, arrival| {
                match arrival {
                    Arrival::Message => stream.write_all(&[b'a'; ANSWER])?,
                    Arrival::Closed => open -= 1,
                }
                Ok(())
            })?;
        }
        Ok(())
    });
    let mut inbox = Inbox::new(&near, ANSWER)?;
    let request = [b'r'; REQUEST];
    let (mut sent, mut answered) = (0usize, 0usize);
    let started = Instant::now();
    let before = cpu();
    for stream in near.iter_mut().take(count) {
        stream.write_all(&request)?;
        sent += 1;
    }
    while answered < count {
        inbox.poll(&mut near, |_, stream, arrival| {
            anyhow::ensure!(matches!(arrival, Arrival::Message), "the answering thread closed");
            answered += 1;
            if sent < count {
                stream.write_all(&request)?;
                sent += 1;
            }
            Ok(())
        })?;
    }
    let elapsed = started.elapsed();
    let used = cpu() - before;
    drop(near);
    answerer.join().map_err(|_| anyhow::anyhow!("the answering thread panicked"))??;
    let mut report = Report::new("floor-requests");
    report
        .add("requests", count as u64)
        .add("connections", connections as u64)
        .add("round_trips_per_s", (count as f64 / elapsed.as_secs_f64()).round())
        .add("cpu_us_per_round_trip", us_each(used.as_secs_f64(), count));
    Ok(report)
}
