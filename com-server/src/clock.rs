//! The `date` and `time` commands need a calendar, and std has none: `SystemTime` only
//! counts seconds since 1970-01-01 00:00 UTC. Here we turn that count into a day, month
//! and year with Howard Hinnant's `civil_from_days`, always in UTC (std has no time zones).

use std::time::{SystemTime, UNIX_EPOCH};

/// A moment as a calendar date and a time of day, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcDateTime {
    /// The year, e.g. 2025.
    pub year: i64,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month, 1 to 31.
    pub day: u32,
    /// The hour, 0 to 23.
    pub hour: u32,
    /// The minute, 0 to 59.
    pub minute: u32,
    /// The second, 0 to 59 (Unix time has no leap seconds).
    pub second: u32,
}

const SECONDS_PER_DAY: u64 = 86_400;

impl UtcDateTime {
    /// The current moment.
    pub fn now() -> UtcDateTime {
        UtcDateTime::from_system_time(SystemTime::now())
    }

    /// A clock set before 1970 is a broken clock; we show the epoch rather than panic.
    pub fn from_system_time(time: SystemTime) -> UtcDateTime {
        let seconds = time
            .duration_since(UNIX_EPOCH)
            .map(|since| since.as_secs())
            .unwrap_or(0);
        UtcDateTime::from_unix_seconds(seconds)
    }

    /// The moment `seconds` after 1970-01-01 00:00:00 UTC.
    pub fn from_unix_seconds(seconds: u64) -> UtcDateTime {
        let days = i64::try_from(seconds / SECONDS_PER_DAY).unwrap_or(i64::MAX);
        let second_of_day = seconds % SECONDS_PER_DAY;
        let (year, month, day) = civil_from_days(days);
        // All three are below 86 400, so the casts cannot truncate.
        UtcDateTime {
            year,
            month,
            day,
            hour: (second_of_day / 3600) as u32,
            minute: (second_of_day / 60 % 60) as u32,
            second: (second_of_day % 60) as u32,
        }
    }

    /// `DD.MM.YYYY`, PHP's `date('d.m.Y')` in the original article.
    pub fn date(&self) -> String {
        format!("{:02}.{:02}.{:04}", self.day, self.month, self.year)
    }

    /// `HH:MM:SS`, PHP's `date('H:i:s')`.
    pub fn time(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }
}

/// Year, month (1-12) and day (1-31) of the day `days` after 1970-01-01.
///
/// The trick (from Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms"): count
/// years from March 1st, so that February, the month of odd length, comes last, and
/// split time into 400-year eras of exactly 146 097 days, in which the Gregorian leap
/// rules repeat. Within an era everything is small integer arithmetic.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Day 0 of era 0 is 0000-03-01, which is 719 468 days before 1970-01-01.
    let shifted = days.saturating_add(719_468);
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097); // 0..=146_096
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // 0..=399
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // 0..=365
    let month_from_march = (5 * day_of_year + 2) / 153; // 0..=11, 0 is March
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    // January and February belong to the next year once we stop counting from March.
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        assert_eq!(civil_from_days(10_957), (2000, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29)); // 2000 is a leap year (divisible by 400)
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_088), (2024, 12, 31));
        assert_eq!(civil_from_days(47_541), (2100, 3, 1)); // 2100 is not: Feb 28 is followed by Mar 1
        assert_eq!(civil_from_days(47_540), (2100, 2, 28));
    }

    #[test]
    fn known_moments() {
        // Round Unix times whose UTC dates are well known (`date -u -d @SECONDS`).
        let cases = [
            (0, "01.01.1970", "00:00:00"),
            (951_782_400, "29.02.2000", "00:00:00"),
            (1_000_000_000, "09.09.2001", "01:46:40"),
            (1_234_567_890, "13.02.2009", "23:31:30"),
            (1_700_000_000, "14.11.2023", "22:13:20"),
            (2_000_000_000, "18.05.2033", "03:33:20"),
            (4_102_444_799, "31.12.2099", "23:59:59"),
        ];
        for (seconds, date, time) in cases {
            let moment = UtcDateTime::from_unix_seconds(seconds);
            assert_eq!(moment.date(), date, "{seconds}");
            assert_eq!(moment.time(), time, "{seconds}");
        }
    }

    #[test]
    fn consecutive_days_step_through_the_calendar() {
        // Every day from 1970 to 2400 is one day after the previous one: no gaps, no repeats,
        // months of the right length, leap years exactly where Gregory put them.
        let mut previous = civil_from_days(0);
        for days in 1..=157_000 {
            let (year, month, day) = civil_from_days(days);
            let (last_year, last_month, last_day) = previous;
            let leap = last_year % 4 == 0 && (last_year % 100 != 0 || last_year % 400 == 0);
            let month_length = match last_month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            let expected = if last_day < month_length {
                (last_year, last_month, last_day + 1)
            } else if last_month < 12 {
                (last_year, last_month + 1, 1)
            } else {
                (last_year + 1, 1, 1)
            };
            assert_eq!((year, month, day), expected, "day {days}");
            previous = (year, month, day);
        }
    }

    #[test]
    fn a_clock_before_1970_shows_the_epoch() {
        let before = UNIX_EPOCH - std::time::Duration::from_secs(10);
        assert_eq!(UtcDateTime::from_system_time(before).date(), "01.01.1970");
    }
}
