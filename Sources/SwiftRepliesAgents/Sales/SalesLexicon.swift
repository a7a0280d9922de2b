import SwiftRepliesCore

/// Words that signal what a customer wants, in English, French, Arabic and Arabizi, normalised
/// with `TextNormalizer` so they compare with message tokens.
struct SalesLexicon: Sendable {
    let greeting: Set<String>
    let price: Set<String>
    let pricePhrases: [[String]]
    let order: Set<String>
    let discount: Set<String>
    let catalogue: Set<String>
    let catalouguePhrases: [[String]]
    let refund: Set<String>
    /// Returning or exchanging something: "baddi raje3 el kit" is not an order.
    let returning: Set<String>

    static let standard = SalesLexicon(
        greeting: words(
            "hi hello hey hiya yo good morning evening afternoon bonjour bonsoir salut coucou allo marhaba marhabtein mar7aba ahla ahlan hala kifak kifik kifkon kif salam salamat sabah msa masa el kher al khair مرحبا مرحبتين اهلا هلا سلام السلام عليكم صباح الخير مسا كيفك كيفكن"
        ),
        price: words(
            "price prices cost costs pricing much prix combien coute coutent tarif tarifs adde 2adde addeh 2addeh addesh 2addesh addee b2adde bi2adde be2adde sa3er se3er sa3r s3r kam bkam bikam قديش بقديش كم بكم سعر سعره سعرها اسعار ثمن حق"
        ),
        pricePhrases: [["how", "much"], ["c", "est", "combien"], ["ca", "coute"], ["ad", "eh"], ["ad", "ma"], ["b", "ade"], ["ade", "haq"]],
        order: words(
            "order buy purchase want commander commande acheter achete veux voudrais baddi bade badde bde beddi bdi 3ayez 3ayze eshtere ishtere eshtri ootlob otlob utlub ba3tine ba3tini ab3atli jibli بدي اريد أريد اطلب أطلب اشتري أشتري ابغى ابي خذ اخذ"
        ),
        discount: words(
            "discount discounts promo promotion sale deal off cheaper reduction remise rabais solde soldes khasm kha9m tanzil tanzilet takhfid حسم خصم تخفيض تنزيلات عرض"
        ),
        catalogue: words(
            "products product catalogue catalog items menu produits catalogue 3andkon 3andak aandkon menu بضاعة منتجات المنتجات شو عندكم"
        ),
        catalouguePhrases: [["what", "do", "you", "sell"], ["what", "you", "sell"], ["que", "vendez"], ["vous", "vendez", "quoi"], ["shu", "3andkon"], ["chou", "3andkon"], ["شو", "عندكم"], ["quels", "produits"]],
        refund: words("refund refunds rembourser remboursement refund raje3li masari رجعولي مصاري استرداد استرجاع"),
        returning: words("return returns exchange swap retour retourner rendre echanger echange raje3 rajje3 rajja3 erja3 badel bad2el baddel رجع ارجع رجّع بدل بدّل استبدال")
    )

    private static func words(_ text: String) -> Set<String> { Set(TextNormalizer.tokens(text)) }

    func contains(_ phrases: [[String]], in tokens: [String]) -> Bool {
        for phrase in phrases where phrase.count <= tokens.count {
            for start in 0...(tokens.count - phrase.count) where tokens[start..<(start + phrase.count)].elementsEqual(phrase) {
                return true
            }
        }
        return false
    }
}
