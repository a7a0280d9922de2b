import SwiftRepliesCore

/// The `settings:` of an agent YAML whose `module` is `http`.
///
/// ```yaml
/// settings:
///   url: https://bot.example.com/turn       # required; where each turn is POSTed
///   secret: ${HTTP_AGENT_SECRET}            # required; signs every request (see RemoteAgentSignature)
///   timeout_seconds: 10                     # per attempt (default 10)
///   retries: 2                              # extra attempts after a connection error or 5xx (default 2)
///   history_limit: 20                       # earlier messages sent with each turn (default 20)
///   fallback_message: "One moment please."  # when the remote agent cannot answer (default: the agent's `fallback`)
/// ```
public struct HTTPAgentSettings: Sendable, Hashable {
    /// Every key the `http` module reads (the configuration loader rejects others).
    public static let keys = ["url", "secret", "timeout_seconds", "retries", "history_limit", "fallback_message"]

    /// Where each turn is POSTed.
    public var url: String
    /// The shared secret; empty when its `${VAR}` is not set (the agent then answers every turn
    /// with the fallback message rather than send unsigned requests).
    public var secret: String
    /// The time allowed for one attempt (`timeout_seconds`).
    public var timeout: Duration
    /// Extra attempts after a connection error or a 5xx answer.
    public var retries: Int
    /// Earlier messages sent with each turn.
    public var historyLimit: Int
    /// What the customer gets when the remote agent gives no usable answer.
    public var fallbackMessage: String

    /// Reads and checks the settings of `definition`.
    public init(definition: AgentDefinition) throws {
        let reader = ModuleSettingsReader(definition: definition, known: Self.keys)
        try reader.rejectUnknownKeys()
        url = try reader.url("url")
        secret = try reader.requiredString("secret", hint: "secret: ${HTTP_AGENT_SECRET}", allowEmpty: true)
        timeout = try reader.seconds("timeout_seconds", default: 10)
        retries = try reader.integer("retries", in: 0...5, default: 2)
        historyLimit = try reader.integer("history_limit", in: 0...200, default: 20)
        fallbackMessage = try reader.optionalString("fallback_message").flatMap { $0.isEmpty ? nil : $0 } ?? definition.fallback
    }
}

/// The `settings:` of an agent YAML whose `module` is `llm`.
///
/// ```yaml
/// settings:
///   base_url: https://api.openai.com/v1     # required; `/chat/completions` is appended
///   model: gpt-4o-mini                      # required
///   api_key: ${LLM_API_KEY}                 # optional (local servers need none); sent as a Bearer token
///   temperature: 0.3                        # 0...2 (default 0.3)
///   max_tokens: 400                         # optional cap on the answer's length
///   timeout_seconds: 30                     # per attempt (default 30)
///   retries: 1                              # extra attempts after a connection error or 5xx (default 1)
///   history_limit: 20                       # earlier messages in the prompt (default 20)
///   fallback_message: "One moment please."  # when the model cannot answer (default: the agent's `fallback`)
/// ```
public struct LLMAgentSettings: Sendable, Hashable {
    /// Every key the `llm` module reads (the configuration loader rejects others).
    public static let keys = [
        "base_url", "model", "api_key", "temperature", "max_tokens", "timeout_seconds", "retries", "history_limit", "fallback_message",
    ]

    /// The API root, without a trailing `/`.
    public var baseURL: String
    /// The model name the endpoint expects.
    public var model: String
    /// `nil` when the YAML has no `api_key` (no `Authorization` header is sent); empty when it
    /// names a `${VAR}` that is not set (the agent then answers with the fallback message).
    public var apiKey: String?
    /// Sampling temperature, 0...2.
    public var temperature: Double
    /// A cap on the answer's length, when set.
    public var maxTokens: Int?
    /// The time allowed for one attempt (`timeout_seconds`).
    public var timeout: Duration
    /// Extra attempts after a connection error or a 5xx answer.
    public var retries: Int
    /// Earlier messages put into the prompt.
    public var historyLimit: Int
    /// What the customer gets when the model gives no usable answer.
    public var fallbackMessage: String

    /// Reads and checks the settings of `definition`.
    public init(definition: AgentDefinition) throws {
        let reader = ModuleSettingsReader(definition: definition, known: Self.keys)
        try reader.rejectUnknownKeys()
        var base = try reader.url("base_url")
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
        model = try reader.requiredString("model", hint: "model: gpt-4o-mini", allowEmpty: false)
        apiKey = try reader.optionalString("api_key")
        temperature = try reader.number("temperature", in: 0...2) ?? 0.3
        maxTokens = try reader.optionalInteger("max_tokens", in: 1...1_000_000)
        timeout = try reader.seconds("timeout_seconds", default: 30)
        retries = try reader.integer("retries", in: 0...5, default: 1)
        historyLimit = try reader.integer("history_limit", in: 0...200, default: 20)
        fallbackMessage = try reader.optionalString("fallback_message").flatMap { $0.isEmpty ? nil : $0 } ?? definition.fallback
    }

    /// The chat-completions URL: `<base_url>/chat/completions`.
    public var chatCompletionsURL: String { baseURL + "/chat/completions" }
}

/// Reads a module's untyped `settings:`, with errors that name the agent file and the key. The
/// configuration loader reports the same problems with line and column first; these checks
/// cover agents built in code.
struct ModuleSettingsReader {
    let definition: AgentDefinition
    let known: [String]

    private var members: [String: ConfigValue] {
        if case .map(let members) = definition.settings { return members }
        return [:]
    }

    private func error(_ message: String) -> ModuleBuildError {
        let file = definition.sourceFile.isEmpty ? "agent '\(definition.id)'" : definition.sourceFile
        return ModuleBuildError("\(file): settings of module '\(definition.module)': \(message)")
    }

    func rejectUnknownKeys() throws {
        guard case .map = definition.settings else {
            if definition.settings == .null { return }
            throw error("settings must be a mapping of `key: value` lines")
        }
        for key in members.keys.sorted() where !known.contains(key) {
            throw error("unknown key '\(key)' (known keys: \(known.joined(separator: ", ")))")
        }
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = members[key], value != .null else { return nil }
        guard let text = value.stringValue else { throw error("'\(key)' must be a single value") }
        return text
    }

    func requiredString(_ key: String, hint: String, allowEmpty: Bool) throws -> String {
        guard let text = try optionalString(key) else { throw error("missing '\(key)' (for example `\(hint)`)") }
        if !allowEmpty, text.isEmpty { throw error("'\(key)' is empty") }
        return text
    }

    func url(_ key: String) throws -> String {
        let text = try requiredString(key, hint: "\(key): https://example.com/...", allowEmpty: false)
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), text.count > "https://".count else {
            throw error("'\(key)' must start with http:// or https://, found '\(text)'")
        }
        return text
    }

    func number(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = members[key], value != .null else { return nil }
        guard let number = value.numberValue else { throw error("'\(key)' must be a number") }
        guard range.contains(number) else { throw error("'\(key)' must be between \(range.lowerBound) and \(range.upperBound), found \(number)") }
        return number
    }

    func optionalInteger(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let number = try number(key, in: Double(range.lowerBound)...Double(range.upperBound)) else { return nil }
        guard number == number.rounded() else { throw error("'\(key)' must be a whole number, found \(number)") }
        return Int(number)
    }

    func integer(_ key: String, in range: ClosedRange<Int>, default value: Int) throws -> Int {
        try optionalInteger(key, in: range) ?? value
    }

    func seconds(_ key: String, default value: Double) throws -> Duration {
        let seconds = try number(key, in: 0.001...600) ?? value
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
