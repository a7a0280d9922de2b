import Foundation

/// The calendar usage is counted in: UTC days and months.
public enum UsageCalendar {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }()

    /// `YYYY-MM-DD` of `date`'s UTC day.
    public static func day(_ date: Date) -> String {
        let (year, month, day) = civilDate(daysSinceEpoch(date))
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }

    /// The UTC year and month of `date`.
    public static func month(_ date: Date) -> (year: Int, month: Int) {
        let (year, month, _) = civilDate(daysSinceEpoch(date))
        return (year, month)
    }

    /// Midnight UTC of `date`'s day.
    public static func startOfDay(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(daysSinceEpoch(date)) * 86_400)
    }

    /// Whole UTC days from 1970-01-01 to `date` (negative before it). Usage is counted on every
    /// turn, on the store's writer: plain arithmetic rather than `Calendar`, which is slow.
    private static func daysSinceEpoch(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// The proleptic Gregorian year, month and day of a day count from 1970-01-01 (the
    /// "days from civil" inverse in Howard Hinnant's date algorithms).
    private static func civilDate(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The first and last `YYYY-MM-DD` of `date`'s UTC month.
    public static func monthRange(_ date: Date) -> (first: String, last: String) {
        let (year, month) = self.month(date)
        let first = String(format: "%04d-%02d-01", year, month)
        let start = calendar.date(from: DateComponents(year: year, month: month, day: 1)) ?? date
        let days = calendar.range(of: .day, in: .month, for: start)?.count ?? 31
        return (first, String(format: "%04d-%02d-%02d", year, month, days))
    }

    /// When the UTC day of `date` ends.
    public static func endOfDay(_ date: Date) -> Date { startOfDay(date).addingTimeInterval(86_400) }
}
