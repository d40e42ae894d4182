//! `compare --suite tradeoff`: the poll loop's idle trade-off, drawn. The echo-server asks a
//! quiet connection for bytes once per quiet interval: a short interval answers the first
//! message after a silence sooner and costs more CPU while nobody talks. This suite starts
//! the server once per interval (`--quiet-interval`, and the automatic default), holds N
//! silent connections with `load --mode crowd`, and plots idle CPU against the first
//! echo's wait, one point per interval, the default ringed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use cli::Args;
use testkit::ServerProcess;

use crate::curve;
use crate::plot::{self, Chart, Corner, Series};

/// The intervals tried, in milliseconds; 0 is the server's automatic choice (its default).
const INTERVALS_MS: &[u64] = &[20, 50, 100, 200, 500, 1000, 0];

/// The corner the issue asks for at 1,000 idle connections: idle CPU at most 1% of a core
/// and the first echo after a silence within 80 ms.
const TARGET_CPU_PERCENT: f64 = 1.0;
const TARGET_WAIT_MS: f64 = 80.0;

/// The TSV's header: one row per interval.
const HEADER: &str = "quiet_interval_ms\tidle_cpu_percent\tfirst_echo_p50_ms\tfirst_echo_max_ms";

/// One interval's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub interval_ms: u64,
    pub idle_cpu_percent: f64,
    pub first_echo_p50_ms: f64,
    pub first_echo_max_ms: f64,
}

/// Runs the suite; returns the exit code.
pub fn run(args: &Args) -> i32 {
    let connections: u64 = args.value_or_exit("tradeoff-connections");
    let idle_seconds: String = args.value_or_exit("curve-idle-seconds");
    let out = match args.value_or_exit::<String>("out") {
        out if out.is_empty() => "tradeoff.tsv".to_owned(),
        out => out,
    };
    let out_dir: String = args.value_or_exit("out-dir");
    let here = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let given = |flag: &str, name: &str| -> PathBuf {
        match args.value_or_exit::<String>(flag) {
            path if path.is_empty() => here.join(name),
            path => PathBuf::from(path),
        }
    };
    let (ours, load) = (given("ours", "echo-server"), given("load", "load"));
    for path in [&ours, &load] {
        if !path.is_file() {
            eprintln!(
                "compare: {} does not exist: build with `cargo build --release -p echo-server -p load -p compare`",
                path.display()
            );
            return 2;
        }
    }
    println!(
        "tradeoff: echo-server with {connections} silent connections, idle CPU over {idle_seconds} s and the first echo after 50-500 ms of silence, per --quiet-interval"
    );
    let mut points = Vec::new();
    for &interval_ms in INTERVALS_MS {
        let server = ServerProcess::start(
            &ours.to_string_lossy(),
            &[
                "--addr",
                "127.0.0.1:0",
                "--no-greeting",
                "--max-connections",
                &(connections + 64).to_string(),
                "--quiet-interval",
                &interval_ms.to_string(),
                "--time-limit",
                "900",
            ],
        );
        let output = Command::new(&load)
            .args(["--addr", &server.addr().to_string()])
            .args(["--pid", &server.pid().to_string()])
            .args(["--mode", "crowd", "--connections", &connections.to_string()])
            .args(["--active-percent", "1", "--seconds", "1"])
            .args(["--idle-seconds", &idle_seconds, "--timeout", "900"])
            .output();
        drop(server);
        let result = output.as_ref().ok().and_then(|output| {
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .find_map(|line| line.strip_prefix("RESULT ").map(str::to_owned))
        });
        let Some(result) = result else {
            eprintln!(
                "compare: the load run for --quiet-interval {interval_ms} printed no RESULT: {output:?}"
            );
            return 1;
        };
        let values = curve::parse_result(&result);
        let figure = |key: &str| values.get(key).copied().unwrap_or(f64::NAN);
        let point = Point {
            interval_ms,
            idle_cpu_percent: figure("idle_cpu_percent"),
            first_echo_p50_ms: figure("first_echo_p50_ms"),
            first_echo_max_ms: figure("first_echo_max_ms"),
        };
        println!(
            "  {:<10} idle CPU {:.2}% of a core, first echo p50 {:.1} ms, max {:.1} ms",
            interval_name(interval_ms),
            point.idle_cpu_percent,
            point.first_echo_p50_ms,
            point.first_echo_max_ms
        );
        points.push(point);
    }
    if let Err(error) = std::fs::write(&out, to_tsv(&points, connections)) {
        eprintln!("compare: cannot write {out}: {error}");
        return 1;
    }
    println!("every figure is in {out}");
    draw(&points, connections, Path::new(&out_dir))
}

/// Draws a TSV this suite wrote (`compare --plot` hands it here when the header says so).
pub fn redraw(text: &str, out_dir: &Path) -> i32 {
    match parse_tsv(text) {
        Ok((connections, points)) => draw(&points, connections, out_dir),
        Err(error) => {
            eprintln!("compare: {error}");
            1
        }
    }
}

/// Whether a TSV is this suite's.
pub fn is_tradeoff_tsv(text: &str) -> bool {
    text.lines()
        .find(|line| !line.starts_with('#'))
        .is_some_and(|line| line == HEADER)
}

fn draw(points: &[Point], connections: u64, out_dir: &Path) -> i32 {
    // Along the CPU axis, so that each line is the frontier and the default sits in it.
    let mut points = points.to_vec();
    points.sort_by(|a, b| a.idle_cpu_percent.total_cmp(&b.idle_cpu_percent));
    let labels: Vec<String> = points
        .iter()
        .map(|point| interval_name(point.interval_ms))
        .collect();
    // Only the p50 line names its points: the max line's point above each is the same run.
    let series = |name: &str, wait: fn(&Point) -> f64, labels: Vec<String>| Series {
        name: name.to_owned(),
        points: points
            .iter()
            .map(|point| (point.idle_cpu_percent, wait(point)))
            .collect(),
        labels,
    };
    let chart = Chart {
        title: format!("The idle trade-off, {connections} silent connections"),
        x_label: "server CPU while idle, % of one core (log)".to_owned(),
        log_x: true,
        y_label: "first echo after a silence, ms (log)".to_owned(),
        log_y: true,
        series: vec![
            series("p50 wait", |point| point.first_echo_p50_ms, labels),
            series(
                "max wait (20 samples)",
                |point| point.first_echo_max_ms,
                Vec::new(),
            ),
        ],
        target: Some(Corner {
            x: TARGET_CPU_PERCENT,
            y: TARGET_WAIT_MS,
            label: format!("target: <= {TARGET_CPU_PERCENT}% and <= {TARGET_WAIT_MS} ms"),
        }),
    };
    let path = out_dir.join("tradeoff-idle.svg");
    if let Err(error) =
        std::fs::create_dir_all(out_dir).and_then(|()| std::fs::write(&path, plot::render(&chart)))
    {
        eprintln!("compare: cannot write {}: {error}", path.display());
        return 1;
    }
    println!("wrote {}", path.display());
    0
}

fn interval_name(interval_ms: u64) -> String {
    if interval_ms == 0 {
        "default (automatic)".to_owned()
    } else {
        format!("{interval_ms} ms")
    }
}

fn to_tsv(points: &[Point], connections: u64) -> String {
    let mut text = format!("# connections {connections}\n{HEADER}\n");
    for point in points {
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}",
            point.interval_ms,
            point.idle_cpu_percent,
            point.first_echo_p50_ms,
            point.first_echo_max_ms
        );
    }
    text
}

/// Reads a TSV back; its first line may be `# connections N`.
fn parse_tsv(text: &str) -> Result<(u64, Vec<Point>), String> {
    let mut connections = 1000;
    let mut points = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if let Some(count) = line.strip_prefix("# connections ") {
            connections = count
                .trim()
                .parse()
                .map_err(|_| format!("line {}: not a count: {line}", number + 1))?;
            continue;
        }
        if line == HEADER || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let number_at = |index: usize| -> Result<f64, String> {
            fields
                .get(index)
                .and_then(|field| field.parse().ok())
                .ok_or_else(|| format!("line {}: expected 4 numbers: {line}", number + 1))
        };
        points.push(Point {
            interval_ms: number_at(0)? as u64,
            idle_cpu_percent: number_at(1)?,
            first_echo_p50_ms: number_at(2)?,
            first_echo_max_ms: number_at(3)?,
        });
    }
    Ok((connections, points))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tsv_reads_back_what_was_written() {
        let points = vec![
            Point {
                interval_ms: 20,
                idle_cpu_percent: 2.5,
                first_echo_p50_ms: 12.0,
                first_echo_max_ms: 30.5,
            },
            Point {
                interval_ms: 0,
                idle_cpu_percent: 0.7,
                first_echo_p50_ms: 120.0,
                first_echo_max_ms: 300.0,
            },
        ];
        let text = to_tsv(&points, 500);
        assert!(is_tradeoff_tsv(&text));
        assert_eq!(parse_tsv(&text), Ok((500, points)));
        assert!(parse_tsv(&format!("{HEADER}\n20\t1.0\tx\t3\n")).is_err());
        assert!(!is_tradeoff_tsv("server\tconnections\n"));
    }

    #[test]
    fn the_default_is_named_and_ringed() {
        assert_eq!(interval_name(0), "default (automatic)");
        assert_eq!(interval_name(200), "200 ms");
        let chart = Chart {
            title: "t".to_owned(),
            x_label: "x".to_owned(),
            log_x: false,
            y_label: "y".to_owned(),
            log_y: false,
            series: vec![Series {
                name: "p50".to_owned(),
                points: vec![(1.0, 10.0), (0.5, 80.0)],
                labels: vec!["20 ms".to_owned(), "default (automatic)".to_owned()],
            }],
            target: Some(Corner {
                x: 1.0,
                y: 80.0,
                label: "target".to_owned(),
            }),
        };
        let svg = plot::render(&chart);
        assert_eq!(svg.matches(r#"r="9""#).count(), 1, "{svg}");
        assert!(svg.contains(">default (automatic)</text>"));
        assert!(
            svg.contains(">target</text>"),
            "the target corner is shaded and named"
        );
    }
}
