import Foundation
import PackagePlugin

/// `swift package validate-config [--strict] [--config-dir DIR]`: runs this package's own
/// `swiftreplies validate` (built by SwiftPM for the plugin) on `tenants.yaml` and `agents/`.
///
/// Every argument is passed through to `swiftreplies validate`. `--config-dir` defaults to the
/// package directory; a relative one is relative to the package directory too. The command fails
/// (non-zero exit) when the configuration has errors, so CI can run it before the tests.
@main
struct ValidateConfigPlugin: CommandPlugin {
    struct ValidationFailed: Error, CustomStringConvertible {
        var status: Int32
        var description: String { "swiftreplies validate failed (exit status \(status)); see the errors above" }
    }

    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let tool = try context.tool(named: "swiftreplies")
        let packageDirectory = context.package.directoryURL
        var toolArguments = ["validate"] + arguments
        let namesConfigDirectory = arguments.contains { $0 == "--config-dir" || $0.hasPrefix("--config-dir=") }
        if !namesConfigDirectory {
            toolArguments += ["--config-dir", packageDirectory.path]
        }

        let process = Process()
        process.executableURL = tool.url
        process.arguments = toolArguments
        process.currentDirectoryURL = packageDirectory
        // Standard output and error are inherited: the tool's `file:line:column: message` lines
        // and its summary appear as they are.
        try process.run()
        process.waitUntilExit()

        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let status = process.terminationStatus
            Diagnostics.error("configuration is not valid: swiftreplies \(toolArguments.joined(separator: " ")) exited with status \(status)")
            throw ValidationFailed(status: status)
        }
    }
}
