import SwiftRepliesCore
import Yams

/// Reads the texts customers read (greeting, fallback, product descriptions, knowledge base
/// answers): a plain string is the default language; a mapping gives the text per language
/// (`en`, `fr`, `ar`, optionally `arabizi`), its `en` text, or else its first, being the default.
/// The default language is English: a plain string counts as the `en` text.
/// Remembers each text's languages, so that the agent file can warn about missing translations.
struct LocalizedTextReader {
    let collector: DiagnosticCollector
    /// Every text read, with its node, for `warnMissingTranslations`.
    private(set) var texts: [(what: String, node: Node, languages: Set<String>)] = []

    init(collector: DiagnosticCollector) {
        self.collector = collector
    }

    /// The text under `key`, or nil when absent (or missing, with `required`).
    mutating func read(_ reader: inout YAMLMappingReader, _ key: String, what: String, required: Bool = false) -> LocalizedText? {
        guard let node = required ? reader.required(key) : reader.node(key) else { return nil }
        guard let mapping = node.mapping else {
            guard let text = reader.string(key) else { return nil }
            // A plain string is the default language, English.
            texts.append((what, node, ["en"]))
            return LocalizedText(text)
        }
        var translations: [String: String] = [:]
        var first: String?
        for (languageNode, valueNode) in mapping {
            guard let language = languageNode.scalar?.string else { continue }
            guard LocalizedText.languages.contains(language) else {
                collector.error(
                    "unknown language '\(language)' in \(what)", at: languageNode, hint: "texts are given in \(LocalizedText.languages.joined(separator: ", "))")
                continue
            }
            guard let text = reader.scalarString(valueNode, key: "\(key).\(language)") else { continue }
            translations[language] = text
            if first == nil { first = text }
        }
        guard let base = translations["en"] ?? first else {
            collector.error("\(what) gives no text", at: node, hint: "write a string, or `en: ...`, `fr: ...`, `ar: ...`")
            return nil
        }
        texts.append((what, node, Set(translations.keys)))
        return LocalizedText(base, translations: translations)
    }

    /// A warning for each text that lacks a language other texts of the agent are given in
    /// (Arabizi is optional and never warned about): those customers read the default language.
    func warnMissingTranslations() {
        let used = texts.reduce(into: Set<String>()) { $0.formUnion($1.languages) }.subtracting(["arabizi"])
        guard !used.isEmpty else { return }
        for text in texts {
            let missing = used.subtracting(text.languages).sorted()
            guard !missing.isEmpty else { continue }
            collector.warning(
                "\(text.what) has no \(missing.joined(separator: ", ")) text", at: text.node,
                hint: "customers who write \(missing.joined(separator: ", ")) read the default language; give the text as `en: ...`, `fr: ...`, `ar: ...`"
            )
        }
    }
}
