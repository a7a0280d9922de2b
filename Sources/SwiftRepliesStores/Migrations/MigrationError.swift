/// Why migrations could not be validated, applied or rolled back.
public enum MigrationError: Error, CustomStringConvertible {
    /// A migration version is not a positive number.
    case invalidVersion(Int)
    /// Two migrations share a version.
    case duplicateVersion(Int)
    /// The database records a version this build does not know, so it cannot be rolled back.
    case unknownAppliedVersion(Int)
    /// A migration's statements failed; its transaction was rolled back.
    case failed(version: Int, name: String, direction: MigrationDirection, underlying: any Error)

    public var description: String {
        switch self {
        case .invalidVersion(let version):
            return "migration version \(version) is not a positive number"
        case .duplicateVersion(let version):
            return "two migrations have version \(version)"
        case .unknownAppliedVersion(let version):
            return "the database has migration \(version) applied, which this build does not know"
        case .failed(let version, let name, let direction, let underlying):
            return "migration \(version) '\(name)' failed (\(direction.rawValue)), rolled back: \(underlying)"
        }
    }
}
