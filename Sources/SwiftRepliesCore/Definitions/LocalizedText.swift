/// A text customers read, given in the agent's default language and optionally per language
/// (`en`, `fr`, `ar`, `arabizi`).
///
/// In agent YAML a plain string is the default language; a mapping gives it per language
/// (`greeting: {en: "Hi!", fr: "Bonjour !", ar: "مرحبا!"}`), and its `en` text, or its first
/// one, is the default.
public struct LocalizedText: Sendable, Hashable {
    /// The text in the agent's default language.
    public var base: String
    /// The text per language code, where given.
    public var translations: [String: String]

    public init(_ base: String, translations: [String: String] = [:]) {
        self.base = base
        self.translations = translations
    }

    /// The language codes agent files may give texts in.
    public static let languages = ["en", "fr", "ar", "arabizi"]

    /// The text in `language`, or the default when that language has none.
    public func text(in language: String) -> String {
        translations[language] ?? base
    }
}
