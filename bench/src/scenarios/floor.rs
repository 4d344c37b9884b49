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

/// An epoll instance watching every stream for input, each tagged with its
/// index.
fn poller(streams: &[TcpStream]) -> anyhow::Result<OwnedFd> {
    let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
    for (i, stream) in streams.iter().enumerate() {
        epoll::add(&epoll, stream, epoll::EventData::new_u64(i as u64), epoll::EventFlags::IN)?;
    }
    Ok(epoll)
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

/// Reads `bytes` from every stream; returns when each one completed.
fn read_each(epoll: &OwnedFd, streams: &mut [TcpStream], bytes: usize) -> anyhow::Result<Vec<u64>> {
    let mut left = vec![bytes; streams.len()];
    let mut done_at = vec![0u64; streams.len()];
    let mut remaining = streams.len();
    let mut buf = vec![0u8; bytes];
    let mut events = Vec::with_capacity(1024);
    while remaining > 0 {
        events.clear();
        epoll::wait(epoll, spare_capacity(&mut events), None)?;
        for event in &events {
            let i = event.data.u64() as usize;
            let n = streams[i].read(&mut buf[..left[i]])?;
            anyhow::ensure!(n > 0, "a loopback peer closed");
            left[i] -= n;
            if left[i] == 0 {
                done_at[i] = now_ns();
                remaining -= 1;
            }
        }
    }
    Ok(done_at)
}

/// `writers` threads share the sending, as a server's runtime threads do.
pub fn fanout(sockets: usize, messages: usize, writers: usize) -> anyhow::Result<Report> {
    let (near, mut far) = pairs(sockets)?;
    let epoll = poller(&near)?;
    let (done_tx, done_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || -> anyhow::Result<()> {
        let mut near = near;
        for _ in 0..messages {
            done_tx.send(read_each(&epoll, &mut near, FRAME)?)?;
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
        .add("cpu_us_per_frame", cpu_per(used, messages * sockets))
        .latency("all_sockets", &mut all)
        .latency("per_socket", &mut per_socket);
    Ok(report)
}

pub fn requests(count: usize, connections: usize) -> anyhow::Result<Report> {
    let (mut near, far) = pairs(connections)?;
    let answerer = std::thread::spawn(move || -> anyhow::Result<()> {
        let mut far = far;
        let epoll = poller(&far)?;
        let (mut buf, answer) = ([0u8; REQUEST], [b'a'; ANSWER]);
        let mut got = vec![0usize; far.len()];
        let mut open = far.len();
        let mut events = Vec::with_capacity(1024);
        while open > 0 {
            events.clear();
            epoll::wait(&epoll, spare_capacity(&mut events), None)?;
            for event in &events {
                let i = event.data.u64() as usize;
                let n = far[i].read(&mut buf[..REQUEST - got[i]])?;
                if n == 0 {
                    epoll::delete(&epoll, &far[i])?;
                    open -= 1;
                    continue;
                }
                got[i] += n;
                if got[i] == REQUEST {
                    got[i] = 0;
                    far[i].write_all(&answer)?;
                }
            }
        }
        Ok(())
    });
    let epoll = poller(&near)?;
    let request = [b'r'; REQUEST];
    let (mut sent, mut answered) = (0usize, 0usize);
    let mut got = vec![0usize; near.len()];
    let mut buf = [0u8; ANSWER];
    let started = Instant::now();
    let before = cpu();
    for stream in near.iter_mut().take(count) {
        stream.write_all(&request)?;
        sent += 1;
    }
    let mut events = Vec::with_capacity(1024);
    while answered < count {
        events.clear();
        epoll::wait(&epoll, spare_capacity(&mut events), None)?;
        for event in &events {
            let i = event.data.u64() as usize;
            let n = near[i].read(&mut buf[..ANSWER - got[i]])?;
            anyhow::ensure!(n > 0, "the answering thread closed");
            got[i] += n;
            if got[i] == ANSWER {
                got[i] = 0;
                answered += 1;
                if sent < count {
                    near[i].write_all(&request)?;
                    sent += 1;
                }
            }
        }
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
        .add("cpu_us_per_round_trip", cpu_per(used, count));
    Ok(report)
}

/// Microseconds of CPU per unit, to a tenth.
fn cpu_per(used: Duration, units: usize) -> f64 {
    (used.as_secs_f64() * 1e6 / units.max(1) as f64 * 10.0).round() / 10.0
}
