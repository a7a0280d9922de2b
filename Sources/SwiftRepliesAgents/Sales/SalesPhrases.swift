import Foundation
import SwiftRepliesCore

/// What the sales agent says, in each customer language. Facts (prices, answers) come from the
/// agent's YAML; these are only the frames around them.
struct SalesPhrases: Sendable {
    let language: CustomerLanguage

    func price(_ product: Product) -> String {
        let price = product.formattedPrice
        let description = product.description(in: language.rawValue)
        switch language {
        case .english: return "The \(product.name) costs \(price). \(description)"
        case .french: return "Le produit \(product.name) coûte \(price). \(description)"
        case .arabic: return "سعر \(product.name) هو \(price). \(description)"
        case .arabizi: return "El \(product.name) se3ro \(price). \(description)"
        }
    }

    func order(_ lines: [OrderLine], total: String) -> String {
        let items = Self.items(lines)
        switch language {
        case .english: return "Great choice! I've noted your order: \(items). Total: \(total). Reply yes to confirm, with your name and delivery address."
        case .french: return "Excellent choix ! J'ai noté votre commande : \(items). Total : \(total). Répondez oui pour confirmer, avec votre nom et votre adresse de livraison."
        case .arabic: return "اختيار رائع! سجلت طلبك: \(items). المجموع: \(total). جاوب بنعم للتأكيد، مع اسمك وعنوان التوصيل."
        case .arabizi: return "Ktir 7elo! Sajjalt talabak: \(items). El total: \(total). Jaweb eh la2akked, ma3 esmak w 3enwen el tawsil."
        }
    }

    /// The order is confirmed; the delivery place and name when the customer gave them.
    func orderConfirmed(_ lines: [OrderLine], total: String, place: String?, name: String?) -> String {
        let items = Self.items(lines)
        let place = place.map { $0.prefix(1).uppercased() + $0.dropFirst() }
        let nameNote = name.map { " \($0)" } ?? ""
        switch language {
        case .english: return "Thank you\(nameNote)! Your order is confirmed: \(items), total \(total). We'll deliver\(place.map { " to \($0)" } ?? "") and message you the delivery date here."
        case .french: return "Merci\(nameNote) ! Votre commande est confirmée : \(items), total \(total). Nous livrons\(place.map { " à \($0)" } ?? "") et vous envoyons ici la date de livraison."
        case .arabic: return "شكراً\(nameNote)! تأكد طلبك: \(items)، المجموع \(total). منوصّل\(place.map { " على \($0)" } ?? "") ومنبعتلك موعد التوصيل هون."
        case .arabizi: return "Merci\(nameNote)! Talabak t2akkad: \(items), el total \(total). Mnwasslo\(place.map { " 3a \($0)" } ?? "") w mnb3atlak maw3ed el tawsil hon."
        }
    }

    /// The customer gave a name or a delivery place for the order waiting for their yes.
    func orderDetails(_ lines: [OrderLine], total: String, place: String?, name: String?) -> String {
        let items = Self.items(lines)
        let placeNote = place.map { $0.prefix(1).uppercased() + $0.dropFirst() }
        let nameNote = name.map { " \($0)" } ?? ""
        switch language {
        case .english: return "Thanks\(nameNote)! Noted\(placeNote.map { ", delivery to \($0)" } ?? ""). Your order: \(items), total \(total). Reply yes to confirm."
        case .french: return "Merci\(nameNote) ! C'est noté\(placeNote.map { ", livraison à \($0)" } ?? ""). Votre commande : \(items), total \(total). Répondez oui pour confirmer."
        case .arabic: return "شكراً\(nameNote)! سجلت\(placeNote.map { " التوصيل على \($0)" } ?? "" ). طلبك: \(items)، المجموع \(total). جاوب بنعم للتأكيد."
        case .arabizi: return "Merci\(nameNote)! Sajjalt\(placeNote.map { " el tawsil 3a \($0)" } ?? ""). Talabak: \(items), el total \(total). Jaweb eh la2akked."
        }
    }

    var orderCancelled: String {
        switch language {
        case .english: return "No problem, I've cancelled that order. Anything else I can help with?"
        case .french: return "Pas de souci, j'ai annulé cette commande. Je peux vous aider pour autre chose ?"
        case .arabic: return "ولا يهمك، لغيت الطلب. في شي تاني فيني ساعدك فيه؟"
        case .arabizi: return "Ma fi mechkle, laghet el talab. Fi shi tene fine se3dak fi?"
        }
    }

    /// The shop does not carry what the customer asks for; what comes closest.
    func notSold(_ closest: [Product]) -> String {
        let list = closest.map { "• \($0.name): \($0.formattedPrice)" }.joined(separator: "\n")
        switch language {
        case .english: return "Sorry, we don't sell that. Here is what comes closest in our shop:\n\(list)"
        case .french: return "Désolé, nous ne vendons pas cet article. Voici ce qui s'en rapproche le plus chez nous :\n\(list)"
        case .arabic: return "عذراً، ما منبيع هيدا الغرض. هيدا أقرب شي عنا:\n\(list)"
        case .arabizi: return "Sorry, ma mnbi3 hayda. Hayda a2rab shi 3anna:\n\(list)"
        }
    }

    func whichProductToOrder(_ products: [Product]) -> String {
        let list = products.map { "• \($0.name): \($0.formattedPrice)" }.joined(separator: "\n")
        switch language {
        case .english: return "With pleasure! Which product would you like, and how many?\n\(list)"
        case .french: return "Avec plaisir ! Quel produit voulez-vous, et combien ?\n\(list)"
        case .arabic: return "بكل سرور! أي منتج بدك، وقديش قطعة؟\n\(list)"
        case .arabizi: return "Tekram! Ayya product baddak, w 2addeh?\n\(list)"
        }
    }

    var thanks: String {
        switch language {
        case .english: return "You're welcome! Let me know if you need anything else."
        case .french: return "Avec plaisir ! N'hésitez pas si vous avez besoin d'autre chose."
        case .arabic: return "أهلا وسهلا! إذا بدك شي تاني أنا هون."
        case .arabizi: return "Ahla w sahla! Iza baddak shi tene ana hon."
        }
    }

    var complaintEscalated: String {
        switch language {
        case .english: return "I'm sorry about that. I've passed it to our team, who will check it and reply here shortly."
        case .french: return "Je suis désolé. J'ai transmis à notre équipe, qui va vérifier et vous répondre ici très vite."
        case .arabic: return "نعتذر عن ذلك. حوّلت الموضوع لفريقنا، وبيتأكدو منه وبيردّو عليك هون قريباً."
        case .arabizi: return "Sorry 3a hal chi. Ba3atto lal team, byet2akkado w byroddo 3lek hon 2arib."
        }
    }

    static func items(_ lines: [OrderLine]) -> String {
        lines.map { "\($0.quantity) × \($0.name) (\(Money.format($0.unitPrice, currency: $0.currency)))" }.joined(separator: ", ")
    }

    func discountGranted(_ percent: Double) -> String {
        let value = Self.percent(percent)
        switch language {
        case .english: return "Good news: I can give you \(value) off your order."
        case .french: return "Bonne nouvelle : je peux vous accorder \(value) de remise sur votre commande."
        case .arabic: return "خبر جيد: أستطيع أن أعطيك خصم \(value) على طلبك."
        case .arabizi: return "Fine a3tik khasm \(value) 3a talabak."
        }
    }

    func discountMaximum(_ percent: Double) -> String {
        let value = Self.percent(percent)
        switch language {
        case .english: return "I can offer up to \(value) off your order. Which product would you like?"
        case .french: return "Je peux vous offrir jusqu'à \(value) de remise. Quel produit vous intéresse ?"
        case .arabic: return "أستطيع أن أقدم لك خصماً حتى \(value). أي منتج تريد؟"
        case .arabizi: return "Fine a3tik la \(value) khasm. Ayya product baddak?"
        }
    }

    func discountEscalated(_ percent: Double) -> String {
        let value = Self.percent(percent)
        switch language {
        case .english: return "A \(value) discount is more than I can approve myself. I've asked a member of our team to check it; I'll get back to you here as soon as they decide."
        case .french: return "Une remise de \(value) dépasse ce que je peux accorder moi-même. J'ai demandé à un membre de l'équipe de vérifier ; je reviens vers vous dès qu'il décide."
        case .arabic: return "خصم \(value) أكبر مما أستطيع الموافقة عليه بنفسي. طلبت من أحد أعضاء فريقنا التحقق، وسأعود إليك هنا فور اتخاذ القرار."
        case .arabizi: return "Khasm \(value) akbar men li fine wafe2 3le wa7de. Sa2alt 7ada men el team, w braje3lak hon awal ma yqarrro."
        }
    }

    var humanHandoff: String {
        switch language {
        case .english: return "Of course. I've asked a member of our team to join this conversation; they will reply here shortly."
        case .french: return "Bien sûr. J'ai demandé à un membre de notre équipe de prendre le relais ; il vous répondra ici très vite."
        case .arabic: return "بالتأكيد. طلبت من أحد أعضاء فريقنا الانضمام إلى المحادثة وسيرد عليك هنا قريباً."
        case .arabizi: return "Akid. Talabt men 7ada men el team yfout 3al mo7adase, byrodd 3lek hon 2arib."
        }
    }

    var refundEscalated: String {
        switch language {
        case .english: return "I'm sorry about that. Refunds are approved by our team: I've passed your request on and will confirm here once it's decided."
        case .french: return "Désolé pour cela. Les remboursements sont validés par notre équipe : j'ai transmis votre demande et je vous confirme ici dès qu'elle est traitée."
        case .arabic: return "نعتذر عن ذلك. الاسترداد يحتاج موافقة فريقنا: أرسلت طلبك وسأؤكد لك هنا فور اتخاذ القرار."
        case .arabizi: return "Sorry 3a hal chi. El refund lezem ywaf2o 3le el team: ba3atet talabak w b2akkedlak hon."
        }
    }

    func catalogue(_ products: [Product]) -> String {
        let list = products.map { "• \($0.name): \($0.formattedPrice)" }.joined(separator: "\n")
        switch language {
        case .english: return "Here is what we offer:\n\(list)\nWhich one would you like to know more about?"
        case .french: return "Voici nos produits :\n\(list)\nLequel vous intéresse ?"
        case .arabic: return "هذه منتجاتنا:\n\(list)\nأي منتج يهمك؟"
        case .arabizi: return "Hayde l products li 3anna:\n\(list)\nAyya wa7ad baddak ta3ref aktar 3anno?"
        }
    }

    func whichProduct(_ products: [Product]) -> String {
        let list = products.map { "• \($0.name): \($0.formattedPrice)" }.joined(separator: "\n")
        switch language {
        case .english: return "Which product do you mean? Our prices:\n\(list)"
        case .french: return "De quel produit parlez-vous ? Nos prix :\n\(list)"
        case .arabic: return "عن أي منتج تسأل؟ أسعارنا:\n\(list)"
        case .arabizi: return "3an ayya product 3am tes2al? Las3arna:\n\(list)"
        }
    }

    /// Why a request cannot go to the team now (`today`: the day's limit; otherwise the feature
    /// is off), offering the agent's own discount when it has one.
    func escalationUnavailable(today: Bool, offerPercent: Double) -> String {
        let offer = offerPercent > 0 ? " " + discountNow(offerPercent) : ""
        switch (language, today) {
        case (.english, true): return "I can't approve that myself, and our team can't take more requests today. Please ask me again tomorrow.\(offer)"
        case (.english, false): return "I can't approve that myself, and I can't pass requests to our team from this chat.\(offer)"
        case (.french, true): return "Je ne peux pas l'accorder moi-même, et notre équipe ne peut plus traiter de demandes aujourd'hui. Redemandez-moi demain.\(offer)"
        case (.french, false): return "Je ne peux pas l'accorder moi-même, et je ne peux pas transmettre de demandes à l'équipe depuis ce chat.\(offer)"
        case (.arabic, true): return "لا أستطيع الموافقة على ذلك بنفسي، ولا يستطيع فريقنا استقبال طلبات أخرى اليوم. اطلب مني ذلك مجدداً غداً.\(offer)"
        case (.arabic, false): return "لا أستطيع الموافقة على ذلك بنفسي، ولا أستطيع تحويل الطلبات إلى فريقنا من هذه المحادثة.\(offer)"
        case (.arabizi, true): return "Ma fine wafe2 3le wa7de, w el team ma fiyon ya3mlo talabat aktar el yom. Erja3 es2alne bokra.\(offer)"
        case (.arabizi, false): return "Ma fine wafe2 3le wa7de, w ma fine b3at talabat lal team men hal chat.\(offer)"
        }
    }

    func discountNow(_ percent: Double) -> String {
        let value = Self.percent(percent)
        switch language {
        case .english: return "I can give you up to \(value) off right away."
        case .french: return "Je peux vous accorder jusqu'à \(value) de remise tout de suite."
        case .arabic: return "أستطيع أن أعطيك خصماً حتى \(value) فوراً."
        case .arabizi: return "Fine a3tik la \(value) khasm hala2."
        }
    }

    /// An operator's decision, told to the customer. For an approved discount on a known
    /// product, the new price too.
    func resolution(_ resolution: ActionResolution, product: Product? = nil) -> String {
        let note = resolution.response.map { " \($0)" } ?? ""
        let amount = resolution.requestedAmount.map { Self.percent($0) }
        switch (resolution.outcome, resolution.requestType) {
        case (.approved, "discount_approval"):
            let value = amount ?? "the discount"
            var price = ""
            if let product, let percent = resolution.requestedAmount {
                let discounted = Money.format(product.price * Decimal(100 - percent) / 100, currency: product.currency)
                switch language {
                case .english: price = " The \(product.name) now costs \(discounted) instead of \(product.formattedPrice)."
                case .french: price = " Le produit \(product.name) vous revient à \(discounted) au lieu de \(product.formattedPrice)."
                case .arabic: price = " أصبح سعر \(product.name) \(discounted) بدلاً من \(product.formattedPrice)."
                case .arabizi: price = " El \(product.name) sar b \(discounted) badal \(product.formattedPrice)."
                }
            }
            switch language {
            case .english: return "Good news! Our team approved your \(value) discount; it is applied to your order.\(price)\(note)"
            case .french: return "Bonne nouvelle ! Notre équipe a validé votre remise de \(value) ; elle est appliquée à votre commande.\(price)\(note)"
            case .arabic: return "خبر سار! وافق فريقنا على خصم \(value) وتم تطبيقه على طلبك.\(price)\(note)"
            case .arabizi: return "Khabar 7elo! El team wef2o 3a khasm \(value) w ma7soub 3a talabak.\(price)\(note)"
            }
        case (.approved, "human_handoff"):
            switch language {
            case .english: return "A member of our team will continue with you here shortly.\(note)"
            case .french: return "Un membre de notre équipe va poursuivre avec vous ici très bientôt.\(note)"
            case .arabic: return "سيتابع معك أحد أعضاء فريقنا هنا قريباً.\(note)"
            case .arabizi: return "7ada men el team ra7 ykammel ma3ak hon 2arib.\(note)"
            }
        case (.approved, _):
            switch language {
            case .english: return "Good news! Our team approved your request.\(note)"
            case .french: return "Bonne nouvelle ! Notre équipe a accepté votre demande.\(note)"
            case .arabic: return "خبر سار! وافق فريقنا على طلبك.\(note)"
            case .arabizi: return "Khabar 7elo! El team wef2o 3a talabak.\(note)"
            }
        case (.denied, _):
            switch language {
            case .english: return "I'm sorry, our team couldn't approve this request this time.\(note) I'm happy to help with anything else."
            case .french: return "Je suis désolé, notre équipe n'a pas pu accepter cette demande cette fois-ci.\(note) Je reste à votre disposition."
            case .arabic: return "نعتذر، لم يتمكن فريقنا من الموافقة على هذا الطلب هذه المرة.\(note) يسعدني مساعدتك في أي شيء آخر."
            case .arabizi: return "Sorry, el team ma 2edro ywaf2o 3a hal talab hal marra.\(note) Ana hon iza baddak shi tene."
            }
        case (.expired, _):
            switch language {
            case .english: return "I'm sorry, our team couldn't review your request in time. Please ask again and I'll pass it on."
            case .french: return "Désolé, notre équipe n'a pas pu examiner votre demande à temps. Redemandez-moi et je la transmettrai."
            case .arabic: return "نعتذر، لم يتمكن فريقنا من مراجعة طلبك في الوقت المحدد. اطلب مجدداً وسأرسله."
            case .arabizi: return "Sorry, el team ma le7e2o yshoufo talabak. Erja3 otlob w bb3atlon yeh."
            }
        }
    }

    static func percent(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
