//! `compare --plot TSV --out-dir DIR`: the curve's pictures, drawn from the TSV that
//! `--suite curve` wrote, without measuring again. Each is a hand-written SVG line plot, one
//! line per server, 700 pixels wide: a few hundred lines of SVG are easier to check than a
//! plotting crate's output, and the book shows them as they are.

use std::fmt::Write as _;
use std::path::Path;

use crate::curve::{self, Row, SERVERS};

const WIDTH: f64 = 700.0;
const HEIGHT: f64 = 440.0;
/// The plot area inside the picture: room for the title and legend above, tick labels and
/// axis names left and below.
const LEFT: f64 = 80.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 70.0;
const BOTTOM: f64 = 60.0;

/// One colour per server, from the Okabe-Ito palette (told apart with colour blindness
/// too), each line also with its own dash so that a grey print still separates them.
const STYLES: [(&str, &str); 3] = [("#0072B2", ""), ("#E69F00", "8 4"), ("#009E73", "2 3")];

/// One line of a plot: a server's figure against N (or another figure against another).
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// A word beside each point, or none at all (the curves). A label that starts with
    /// `default` gets a ring: the setting the server ships with.
    pub labels: Vec<String>,
}

/// What one picture shows.
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub log_x: bool,
    pub y_label: String,
    pub log_y: bool,
    pub series: Vec<Series>,
    /// A target's corner to shade, so that the eye sees which points reach it.
    pub target: Option<Corner>,
}

/// The region from the axes' origin up to `x` and `y`, named by `label`.
pub struct Corner {
    pub x: f64,
    pub y: f64,
    pub label: String,
}

/// Maps data to pixels along one axis, linear or logarithmic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    pub log: bool,
}

impl Axis {
    /// The axis that shows every value: a log axis spans whole decades, a linear one
    /// starts at zero and ends at a round number.
    pub fn fitting(values: &[f64], log: bool) -> Axis {
        if log {
            let positive: Vec<f64> = values
                .iter()
                .copied()
                .filter(|value| *value > 0.0)
                .collect();
            let low = positive.iter().copied().fold(f64::INFINITY, f64::min);
            let high = positive.iter().copied().fold(0.0, f64::max);
            if positive.is_empty() {
                return Axis {
                    min: 1.0,
                    max: 10.0,
                    log,
                };
            }
            let min = 10f64.powf(low.log10().floor());
            let max = 10f64.powf(high.log10().ceil()).max(min * 10.0);
            Axis { min, max, log }
        } else {
            let high = values.iter().copied().fold(0.0, f64::max);
            Axis {
                min: 0.0,
                max: nice_ceiling(high),
                log,
            }
        }
    }

    /// Where `value` falls between 0.0 (the axis's start) and 1.0 (its end).
    pub fn fraction(&self, value: f64) -> f64 {
        if self.log {
            let value = value.max(self.min);
            (value.log10() - self.min.log10()) / (self.max.log10() - self.min.log10())
        } else {
            (value - self.min) / (self.max - self.min)
        }
    }

    /// The values that get a grid line and a label.
    pub fn ticks(&self) -> Vec<f64> {
        if self.log {
            let mut ticks = Vec::new();
            let mut tick = self.min;
            while tick <= self.max * 1.000_001 {
                ticks.push(tick);
                tick *= 10.0;
            }
            ticks
        } else {
            (0..=5)
                .map(|step| self.min + (self.max - self.min) * step as f64 / 5.0)
                .collect()
        }
    }
}

/// The smallest of 1, 2, 2.5, 5 times a power of ten at or above `value` (so that five
/// ticks land on round numbers); 1 for nothing to show.
pub fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let decade = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|step| step * decade)
        .find(|candidate| *candidate >= value * 0.999_999)
        .unwrap_or(10.0 * decade)
}

/// A tick label: 20k, 1.5M, 0.25.
pub fn tick_label(value: f64) -> String {
    let trimmed = |number: f64| {
        let text = format!("{number:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    if value >= 1e6 {
        format!("{}M", trimmed(value / 1e6))
    } else if value >= 1e3 {
        format!("{}k", trimmed(value / 1e3))
    } else {
        trimmed(value)
    }
}

/// Reads the TSV and writes every picture into `out_dir`; returns the exit code.
pub fn run(tsv: &Path, out_dir: &Path) -> i32 {
    let rows = match std::fs::read_to_string(tsv)
        .map_err(|error| format!("cannot read {}: {error}", tsv.display()))
        .and_then(|text| curve::parse_tsv(&text))
    {
        Ok(rows) => rows,
        Err(error) => {
            eprintln!("compare: {error}");
            return 1;
        }
    };
    if let Err(error) = std::fs::create_dir_all(out_dir) {
        eprintln!("compare: cannot create {}: {error}", out_dir.display());
        return 1;
    }
    for (name, chart) in charts(&rows) {
        let path = out_dir.join(format!("{name}.svg"));
        match std::fs::write(&path, render(&chart)) {
            Ok(()) => println!("wrote {}", path.display()),
            Err(error) => {
                eprintln!("compare: cannot write {}: {error}", path.display());
                return 1;
            }
        }
    }
    0
}

/// Every picture, with its file name.
fn charts(rows: &[Row]) -> Vec<(String, Chart)> {
    let mut actives: Vec<f64> = rows
        .iter()
        .filter(|row| row.connections > 1)
        .map(|row| row.active_percent)
        .collect();
    actives.sort_by(f64::total_cmp);
    actives.dedup();
    let mut charts = Vec::new();
    for &active in &actives {
        let at = |row: &Row| row.connections > 1 && row.active_percent == active;
        charts.push((
            format!("curve-throughput-{active}pct"),
            chart(
                rows,
                &format!("Throughput, {active}% of the connections echoing"),
                "echoes per second",
                false,
                "msgs_per_sec",
                at,
            ),
        ));
        charts.push((
            format!("curve-p99-{active}pct"),
            chart(
                rows,
                &format!("Round trip p99, {active}% of the connections echoing"),
                "p99 round trip, microseconds (log)",
                true,
                "p99_us",
                at,
            ),
        ));
    }
    // The idle phase, connect and ping-pong do not depend on the active share: draw them
    // from the smallest share's points, plus the N = 1 baseline where it applies.
    if let Some(&quietest) = actives.first() {
        let crowd = move |row: &Row| row.connections > 1 && row.active_percent == quietest;
        let with_alone = move |row: &Row| row.connections == 1 || row.active_percent == quietest;
        charts.push((
            "curve-idle-cpu".to_owned(),
            chart(
                rows,
                "Server CPU while every connection is silent",
                "% of one core",
                false,
                "idle_cpu_percent",
                crowd,
            ),
        ));
        charts.push((
            "curve-kib-per-connection".to_owned(),
            chart(
                rows,
                "Server memory per idle connection",
                "KiB of RSS per connection (log)",
                true,
                "kib_per_connection",
                crowd,
            ),
        ));
        charts.push((
            "curve-accept-seconds".to_owned(),
            chart(
                rows,
                "Time to open N connections",
                "seconds for all N handshakes",
                false,
                "accept_seconds",
                crowd,
            ),
        ));
        charts.push((
            "curve-pingpong-p50".to_owned(),
            chart(
                rows,
                "Ping-pong among N - 1 silent connections (N = 1: alone)",
                "p50 round trip, microseconds",
                false,
                "pingpong_p50_us",
                with_alone,
            ),
        ));
    }
    charts
}

/// One line per server through the rows `keep` selects, `key` against N.
fn chart(
    rows: &[Row],
    title: &str,
    y_label: &str,
    log_y: bool,
    key: &str,
    keep: impl Fn(&Row) -> bool,
) -> Chart {
    let series = SERVERS
        .iter()
        .map(|server| {
            let mut points: Vec<(f64, f64)> = rows
                .iter()
                .filter(|row| row.server == *server && keep(row))
                .filter_map(|row| Some((row.connections as f64, row.value(key)?)))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series {
                name: (*server).to_owned(),
                points,
                labels: Vec::new(),
            }
        })
        .collect();
    Chart {
        title: title.to_owned(),
        x_label: "connections N (log scale)".to_owned(),
        log_x: true,
        y_label: y_label.to_owned(),
        log_y,
        series,
        target: None,
    }
}

/// The SVG text of one chart.
pub fn render(chart: &Chart) -> String {
    let all: Vec<&(f64, f64)> = chart
        .series
        .iter()
        .flat_map(|series| &series.points)
        .collect();
    // The target's corner is inside the picture too, even where no point reaches it.
    let corner = chart.target.as_ref();
    let xs: Vec<f64> = all
        .iter()
        .map(|point| point.0)
        .chain(corner.map(|c| c.x))
        .collect();
    let ys: Vec<f64> = all
        .iter()
        .map(|point| point.1)
        .chain(corner.map(|c| c.y))
        .collect();
    let x_axis = Axis::fitting(&xs, chart.log_x);
    let y_axis = Axis::fitting(&ys, chart.log_y);
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let x = |value: f64| LEFT + x_axis.fraction(value) * plot_width;
    let y = |value: f64| TOP + (1.0 - y_axis.fraction(value)) * plot_height;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="16" font-weight="bold">{}</text>"#,
        WIDTH / 2.0,
        escape(&chart.title)
    );
    if let Some(corner) = corner {
        let (right, top) = (x(corner.x), y(corner.y));
        let _ = writeln!(
            svg,
            r##"<rect x="{LEFT}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="#d9f2e6"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#2d6a4f">{}</text>"##,
            right - LEFT,
            TOP + plot_height - top,
            LEFT + 6.0,
            top + 14.0,
            escape(&corner.label)
        );
    }
    for tick in x_axis.ticks() {
        let position = x(tick);
        let _ = writeln!(
            svg,
            r##"<line x1="{position:.1}" y1="{TOP}" x2="{position:.1}" y2="{:.1}" stroke="#ddd"/><text x="{position:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            TOP + plot_height,
            TOP + plot_height + 18.0,
            tick_label(tick)
        );
    }
    for tick in y_axis.ticks() {
        let position = y(tick);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{position:.1}" x2="{:.1}" y2="{position:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT + plot_width,
            LEFT - 8.0,
            position + 4.0,
            tick_label(tick)
        );
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{TOP}" width="{plot_width}" height="{plot_height}" fill="none" stroke="#333"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        LEFT + plot_width / 2.0,
        HEIGHT - 14.0,
        escape(&chart.x_label)
    );
    let _ = writeln!(
        svg,
        r#"<text transform="translate(20 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        TOP + plot_height / 2.0,
        escape(&chart.y_label)
    );
    for (series, (colour, dash)) in chart.series.iter().zip(STYLES) {
        let path: Vec<String> = series
            .points
            .iter()
            .map(|&(n, value)| format!("{:.1},{:.1}", x(n), y(value)))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/>"#,
            path.join(" ")
        );
        for (index, &(n, value)) in series.points.iter().enumerate() {
            let _ = writeln!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{colour}"><title>{} {n}: {value}</title></circle>"#,
                x(n),
                y(value),
                escape(&series.name)
            );
            let Some(label) = series.labels.get(index) else {
                continue;
            };
            if label.starts_with("default") {
                let _ = writeln!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="9" fill="none" stroke="{colour}" stroke-width="2"/>"#,
                    x(n),
                    y(value)
                );
            }
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" font-size="11">{}</text>"#,
                x(n) + 8.0,
                y(value) - 8.0,
                escape(label)
            );
        }
    }
    // The legend: one row above the plot area, each server's line sample and name.
    for (index, (series, (colour, dash))) in chart.series.iter().zip(STYLES).enumerate() {
        let left = LEFT + index as f64 * 200.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{left}" y1="48" x2="{:.1}" y2="48" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/><text x="{:.1}" y="52">{}</text>"#,
            left + 30.0,
            left + 36.0,
            escape(&series.name)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_ceilings_for_five_ticks() {
        assert_eq!(nice_ceiling(7.3), 10.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
        assert_eq!(nice_ceiling(2400.0), 2500.0);
        assert_eq!(nice_ceiling(34_859.0), 50_000.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(100.0), 100.0);
    }

    #[test]
    fn a_log_axis_spans_whole_decades_and_puts_each_decade_equally_far() {
        let axis = Axis::fitting(&[100.0, 1000.0, 5000.0, 10_000.0], true);
        assert_eq!((axis.min, axis.max), (100.0, 10_000.0));
        assert!((axis.fraction(100.0) - 0.0).abs() < 1e-9);
        assert!((axis.fraction(1000.0) - 0.5).abs() < 1e-9);
        assert!((axis.fraction(10_000.0) - 1.0).abs() < 1e-9);
        assert_eq!(axis.ticks(), vec![100.0, 1000.0, 10_000.0]);
        // A zero (idle CPU, say) sits on the axis instead of at minus infinity.
        assert_eq!(axis.fraction(0.0), 0.0);
    }

    #[test]
    fn a_linear_axis_starts_at_zero() {
        let axis = Axis::fitting(&[12_073.0, 34_859.0], false);
        assert_eq!((axis.min, axis.max), (0.0, 50_000.0));
        assert!((axis.fraction(25_000.0) - 0.5).abs() < 1e-9);
        assert_eq!(axis.ticks().len(), 6);
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(20_000.0), "20k");
        assert_eq!(tick_label(1_500_000.0), "1.5M");
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(100.0), "100");
    }

    #[test]
    fn every_server_gets_a_line_and_a_legend_entry() {
        let rows = curve::parse_tsv(
            "server\tconnections\tactive_percent\tok\tmsgs_per_sec\n\
             echo-server\t100\t10\t1\t500\n\
             echo-server\t1000\t10\t1\t400\n\
             fastwebsockets-echo\t100\t10\t1\t900\n",
        )
        .expect("parse");
        let svg = render(&chart(&rows, "T", "Y", false, "msgs_per_sec", |_| true));
        assert_eq!(svg.matches("<polyline").count(), 3);
        assert_eq!(svg.matches("<circle").count(), 3);
        for server in SERVERS {
            assert!(svg.contains(&format!(">{server}</text>")), "{server}");
        }
    }
}
