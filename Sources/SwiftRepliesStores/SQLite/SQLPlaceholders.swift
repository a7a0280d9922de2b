/// Builds `?` placeholder lists for bound multi-row statements, within SQLite's variable limit.
enum SQLPlaceholders {
    /// SQLite's default `SQLITE_MAX_VARIABLE_NUMBER`; batches stay below it on any build.
    static let maxVariables = 32_766

    /// `?, ?, ?` (`count` placeholders).
    static func list(_ count: Int) -> String {
        Array(repeating: "?", count: max(count, 0)).joined(separator: ", ")
    }

    /// `(?, ?), (?, ?)`: `rows` rows of `columns` placeholders.
    static func rows(_ rows: Int, columns: Int) -> String {
        let row = "(" + list(columns) + ")"
        return Array(repeating: row, count: max(rows, 0)).joined(separator: ", ")
    }

    /// How many rows of `columns` values fit in one statement (leaving `reserved` variables).
    static func maxRows(columns: Int, reserved: Int = 0) -> Int {
        max(1, (maxVariables - reserved) / max(columns, 1))
    }
}

extension Array {
    /// The array cut into consecutive slices of at most `size` elements.
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        let size = Swift.max(size, 1)
        return stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
