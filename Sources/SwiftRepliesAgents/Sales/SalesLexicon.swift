import SwiftRepliesCore

/// Words that signal what a customer wants, in English, French, Arabic and Arabizi, normalised
/// with `TextNormalizer` so they compare with message tokens.
struct SalesLexicon: Sendable {
    let greeting: Set<String>
    let price: Set<String>
    let pricePhrases: [[String]]
    let order: Set<String>
    /// "I'll take it", "can I get": ordering without an order word.
    let orderPhrases: [[String]]
    /// Words that make a "how much / combien / ad ma" question about time, not price.
    let time: Set<String>
    let discount: Set<String>
    let catalogue: Set<String>
    let catalouguePhrases: [[String]]
    let refund: Set<String>
    let refundPhrases: [[String]]
    /// Returning or exchanging something: "baddi raje3 el kit" is not an order.
    let returning: Set<String>
    /// Something arrived broken or does not work: a complaint, never an order or a price.
    let complaint: Set<String>
    /// Asking for a person, beyond the agent's own `human_keywords`.
    let humanPhrases: [[String]]
    /// Saying yes to a question the bot asked (confirming an order).
    let yes: Set<String>
    let no: Set<String>
    let thanks: Set<String>
    /// "Do you sell / have ...": asking whether the shop carries something.
    let availability: Set<String>
    let availabilityPhrases: [[String]]
    /// Places in Lebanon customers give for delivery.
    let places: Set<String>

    static let standard = SalesLexicon(
        greeting: words(
            "hi hello hey hiya yo good morning evening afternoon bonjour bonsoir salut coucou allo marhaba marhabtein mar7aba ahla ahlan hala kifak kifik kifkon kif salam salamat sabah msa masa el kher al khair مرحبا مرحبتين اهلا هلا سلام السلام عليكم صباح الخير مسا كيفك كيفكن"
        ),
        price: words(
            "price prices cost costs pricing much prix combien coute coutent tarif tarifs adde 2adde addeh 2addeh addesh 2addesh addee b2adde bi2adde be2adde sa3er se3er sa3r s3r kam bkam bikam قديش بقديش كم بكم سعر سعره سعرها اسعار ثمن حق"
        ),
        pricePhrases: [["how", "much"], ["c", "est", "combien"], ["ca", "coute"], ["ad", "eh"], ["ad", "ma"], ["b", "ade"], ["ade", "haq"]],
        order: words(
            "order buy purchase want take commander commande acheter achete veux voudrais prends prendre baddi bade badde bde beddi bdi 3ayez 3ayze eshtere ishtere eshtri ootlob otlob utlub ba3tine ba3tini ba3atli ab3atli jibli ابعتلي بدي اريد أريد اطلب أطلب اشتري أشتري ابغى ابي خذ اخذ"
        ),
        orderPhrases: [["can", "i", "get"], ["send", "me"], ["i", "ll", "take"], ["i", "will", "take"], ["give", "me"]],
        time: words(
            "long time days day minutes minute hours weeks temps jours jour minutes heures semaines wa2t da2i2a da2aye2 iyyem yom btdoum byedal btdal btdom وقت يوم ايام دقيقه دقايق بتدوم بيدوم بيضل"
        ),
        discount: words(
            "discount discounts promo promotion sale deal off cheaper reduction remise rabais solde soldes khasm kha9m tanzil tanzilet takhfid حسم خصم تخفيض تنزيلات عرض"
        ),
        catalogue: words(
            "products product catalogue catalog items menu produits catalogue 3andkon 3andak aandkon menu بضاعة منتجات المنتجات عندكم"
        ),
        catalouguePhrases: [["what", "do", "you", "sell"], ["what", "you", "sell"], ["que", "vendez"], ["vous", "vendez", "quoi"], ["shu", "3andkon"], ["chou", "3andkon"], ["شو", "عندكم"], ["quels", "produits"]],
        refund: words(
            "refund refunds rembourser remboursement rembourse remboursez remboursee raje3li raje3ouli masari masare mesari masariye رجعولي ترجعولي مصاري مصرياتي استرداد استرجاع استرجع"
        ),
        refundPhrases: [["money", "back"], ["my", "money"]],
        returning: words("return returns exchange swap retour retourner rendre echanger echange raje3 rajje3 rajja3 erja3 badel bad2el baddel رجع ارجع رجّع بدل بدّل استبدال"),
        complaint: words(
            "broken broke damaged faulty defective dead cracked leaking casse cassee abime abimee defectueux defectueuse endommage panne maksour maksoura kharban kharbane kharbanin mkharab m3attal مكسور مكسوره خربان خربانه خربانين معطل معطله تالف"
        ),
        humanPhrases: [
            ["real", "person"], ["speak", "to", "someone"], ["talk", "to", "someone"], ["speak", "to", "a", "person"], ["someone", "from", "the", "team"],
            ["conseiller"], ["parler", "a", "quelqu", "un"], ["un", "humain"], ["موظف"], ["حدا", "من", "الفريق"], ["7ada", "ye7ke"], ["e7ke", "ma3", "7ada"],
            ["7ada", "men", "l", "team"], ["احكي", "مع", "حدا"],
        ],
        yes: words("yes yeah yep yup ok okay confirm confirmed sure oui ouais confirme confirmer daccord eh ee ah akid tamem tmm aywa ايه اي نعم اكيد تمام اكد أكد موافق"),
        no: words("no nope non la2 la2a لا"),
        thanks: words("thanks thank thx merci shukran shokran choukran yislamo yslamo teslam tislam يسلمو شكرا مشكور مرسي"),
        availability: words("sell sells selling vendez vendre avez 3andkon 3ndkon aandkon 3andak btbi3o btbe3o عندكم بتبيعو بتبيعوا"),
        availabilityPhrases: [["do", "you", "have"], ["do", "u", "have"], ["vous", "avez"], ["fi", "3andkon"], ["في", "عندكم"]],
        places: words(
            "beirut beyrouth jounieh jbeil byblos tripoli tripoli saida sidon tyre sour zahle zahleh baalbek achrafieh ashrafieh hamra dbayeh batroun aley metn kesrouan nabatieh akkar bekaa broummana bikfaya بيروت جونيه جبيل طرابلس صيدا صور زحله بعلبك الاشرفيه اشرفيه الحمرا البترون عاليه النبطيه عكار البقاع"
        )
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
