import Foundation

/// Paths inside the repository, found from this file's location (works in a fresh clone).
enum RepositoryPaths {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var configDirectory: String { root.path }
    static var agentsDirectory: URL { root.appendingPathComponent("agents") }
    static var fixtures: URL { root.appendingPathComponent("Tests/SwiftRepliesTests/Fixtures") }

    /// A fresh temporary directory.
    static func temporaryDirectory(_ prefix: String = "swiftreplies-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A copy of the shipped configuration (tenants.yaml + agents/) to mutate in a test.
    static func copyOfConfiguration() throws -> URL {
        let directory = try temporaryDirectory("swiftreplies-config")
        try FileManager.default.copyItem(at: root.appendingPathComponent("tenants.yaml"), to: directory.appendingPathComponent("tenants.yaml"))
        try FileManager.default.copyItem(at: agentsDirectory, to: directory.appendingPathComponent("agents"))
        return directory
    }
}
