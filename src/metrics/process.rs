//! The process, read from /proc at each scrape (the standard `process_*` names of Prometheus
//! client libraries), and the build.

use std::borrow::Cow;

use super::scrape::{Family, Kind, Sample, Value};

/// `version`, and `commit` when the build was given `SIAGA_GIT_COMMIT` (CI, Dockerfile).
pub(super) fn build_labels() -> Vec<(Cow<'static, str>, Cow<'static, str>)> {
    let mut labels = vec![(
        Cow::Borrowed("version"),
        Cow::Borrowed(env!("CARGO_PKG_VERSION")),
    )];
    if let Some(commit) = option_env!("SIAGA_GIT_COMMIT").filter(|commit| !commit.is_empty()) {
        labels.push((Cow::Borrowed("commit"), Cow::Borrowed(commit)));
    }
    labels
}

/// What /proc says about this process now.
#[derive(Debug, Default, PartialEq)]
pub(super) struct ProcessSample {
    pub resident_bytes: u64,
    pub virtual_bytes: u64,
    pub cpu_seconds: f64,
    pub start_time_seconds: f64,
    pub threads: u64,
    pub open_fds: u64,
    pub max_fds: Option<u64>,
}

/// Parses `/proc/self/stat` (after the command, which may hold spaces and parentheses), with
/// the clock tick, the page size and the boot time from `/proc/stat`.
fn parse_stat(
    stat: &str,
    ticks_per_second: f64,
    page_size: u64,
    boot_time: f64,
) -> Option<ProcessSample> {
    let after_command = &stat[stat.rfind(')')? + 1..];
    // Fields from the 3rd (state) on: utime is the 14th field, so index 11 here.
    let fields: Vec<&str> = after_command.split_whitespace().collect();
    let number = |index: usize| fields.get(index)?.parse::<u64>().ok();
    Some(ProcessSample {
        cpu_seconds: (number(11)? + number(12)?) as f64 / ticks_per_second,
        threads: number(17)?,
        start_time_seconds: boot_time + number(19)? as f64 / ticks_per_second,
        virtual_bytes: number(20)?,
        resident_bytes: number(21)? * page_size,
        ..ProcessSample::default()
    })
}

fn boot_time() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    stat.lines()
        .find_map(|line| line.strip_prefix("btime ")?.trim().parse::<f64>().ok())
}

fn max_fds() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own; no other memory is touched.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

/// This process now; `None` where /proc is not mounted (the families are then left out).
pub(super) fn sample() -> Option<ProcessSample> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // SAFETY: sysconf only reads configuration values.
    let (ticks, page) = unsafe {
        (
            libc::sysconf(libc::_SC_CLK_TCK),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    let mut sample = parse_stat(
        &stat,
        if ticks > 0 { ticks as f64 } else { 100.0 },
        if page > 0 { page as u64 } else { 4096 },
        boot_time()?,
    )?;
    sample.open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
    sample.max_fds = max_fds();
    Some(sample)
}

/// The `process_*` families (no `siaga_` prefix, as every Prometheus client names them).
pub(super) fn families() -> Vec<Family> {
    let Some(process) = sample() else {
        return Vec::new();
    };
    let family = |name, help, kind, value| Family {
        name,
        help,
        kind,
        samples: vec![Sample::new(("", ""), value)],
    };
    let (counter, gauge) = (Kind::Counter, Kind::Gauge);
    let mut families = vec![
        family(
            "process_cpu_seconds",
            "Total user and system CPU time spent in seconds.",
            counter,
            Value::Float(process.cpu_seconds),
        ),
        family(
            "process_resident_memory_bytes",
            "Resident memory size in bytes.",
            gauge,
            Value::Int(process.resident_bytes),
        ),
        family(
            "process_virtual_memory_bytes",
            "Virtual memory size in bytes.",
            gauge,
            Value::Int(process.virtual_bytes),
        ),
        family(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.",
            gauge,
            Value::Float(process.start_time_seconds),
        ),
        family(
            "process_open_fds",
            "Number of open file descriptors.",
            gauge,
            Value::Int(process.open_fds),
        ),
        family(
            "process_threads",
            "Number of OS threads in the process.",
            gauge,
            Value::Int(process.threads),
        ),
    ];
    if let Some(live) = crate::allocator::live_heap_bytes() {
        families.push(family(
            "siaga_heap_live_bytes",
            "Bytes allocated on the heap and not yet freed (resident memory minus this is the allocator's share, mapped files and stacks).",
            gauge,
            Value::Int(live),
        ));
    }
    if let Some(stats) = crate::allocator::allocator_stats() {
        families.push(Family {
            name: "siaga_allocator_bytes",
            help: "What jemalloc holds, by kind: allocated (asked for by the program), active (the pages of the size classes holding it), dirty (freed, not yet given back), muzzy, metadata, resident, mapped, retained (address space kept unmapped).",
            kind: gauge,
            samples: Sample::by_kind([
                ("allocated", stats.allocated),
                ("active", stats.active),
                ("dirty", stats.dirty),
                ("muzzy", stats.muzzy),
                ("metadata", stats.metadata),
                ("resident", stats.resident),
                ("mapped", stats.mapped),
                ("retained", stats.retained),
            ]),
        });
    }
    if let Some(max) = process.max_fds {
        families.push(family(
            "process_max_fds",
            "Maximum number of open file descriptors.",
            gauge,
            Value::Int(max),
        ));
    }
    families
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_with_spaces_and_parentheses_in_the_command_parses() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        // utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss …
        let stat = "4242 (siaga (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 \
                    12 0 1000 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1";
        let sample = parse_stat(stat, 100.0, 4096, 1_700_000_000.0).unwrap();
        assert_eq!(
            sample,
            ProcessSample {
                resident_bytes: 2048 * 4096,
                virtual_bytes: 123_456_789,
                cpu_seconds: 3.0,
                start_time_seconds: 1_700_000_010.0,
                threads: 12,
                open_fds: 0,
                max_fds: None,
            }
        );
        assert!(parse_stat("garbage", 100.0, 4096, 0.0).is_none());
    }

    #[test]
    fn this_process_is_read_from_proc() {
        let sample = sample().expect("/proc is mounted where the tests run");
        assert!(sample.resident_bytes > 1024 * 1024, "{sample:?}");
        assert!(sample.open_fds >= 3, "{sample:?}");
        assert!(sample.threads >= 1, "{sample:?}");
        assert!(sample.start_time_seconds > 1.6e9, "{sample:?}");
    }
}
