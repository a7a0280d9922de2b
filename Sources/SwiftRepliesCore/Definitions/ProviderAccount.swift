/// A provider account from `tenants.yaml` (`accounts:`), with its secrets resolved from the
/// environment. One account may serve many tenants' numbers.
public struct ProviderAccount: Sendable, Hashable {
    public var id: String
    public var provider: ProviderKind
    /// Where outbound requests go: the provider's public API unless overridden (YAML or
    /// `META_BASE_URL` / `INFOBIP_BASE_URL` / `TWILIO_BASE_URL`).
    public var baseURL: String
    /// Resolved credentials and settings by YAML key (`app_secret`, `verify_token`,
    /// `access_token`, `api_version`, `api_key`, `webhook_secret`, `account_sid`, `auth_token`,
    /// `public_url`, ...). Values whose `${VAR}` is unset are absent.
    public var settings: [String: String]
    /// Why the account is disabled (an unset `${VAR}`), or `nil`.
    public var disabledReason: String?

    public init(id: String, provider: ProviderKind, baseURL: String, settings: [String: String], disabledReason: String? = nil) {
        self.id = id
        self.provider = provider
        self.baseURL = baseURL
        self.settings = settings
        self.disabledReason = disabledReason
    }

    public var isEnabled: Bool { disabledReason == nil }

    /// The default public API base URL of each provider.
    public static func defaultBaseURL(for provider: ProviderKind) -> String {
        switch provider {
        case .meta: return "https://graph.facebook.com"
        case .infobip: return "https://api.infobip.com"
        case .twilio: return "https://api.twilio.com"
        case .local: return "http://127.0.0.1"
        }
    }

    /// The environment variable that overrides the base URL of every account of a provider.
    public static func baseURLEnvironmentVariable(for provider: ProviderKind) -> String? {
        switch provider {
        case .meta: return "META_BASE_URL"
        case .infobip: return "INFOBIP_BASE_URL"
        case .twilio: return "TWILIO_BASE_URL"
        case .local: return nil
        }
    }
}
