import SwiftRepliesCore

/// What the sales agent says, in each customer language. Facts (prices, answers) come from the
/// agent's YAML; these are only the frames around them.
struct SalesPhrases: Sendable {
    let language: CustomerLanguage

    func price(_ product: Product) -> String {
        let price = product.formattedPrice
        switch language {
        case .english: return "The \(product.name) costs \(price). \(product.description)"
        case .french: return "Le produit \(product.name) coûte \(price). \(product.description)"
        case .arabic: return "سعر \(product.name) هو \(price). \(product.description)"
        case .arabizi: return "El \(product.name) se3ro \(price). \(product.description)"
        }
    }

    func order(_ lines: [OrderLine], total: String) -> String {
        let items = lines.map { "\($0.quantity) × \($0.name) (\(Money.format($0.unitPrice, currency: $0.currency)))" }.joined(separator: ", ")
        switch language {
        case .english: return "Great choice! I've noted your order: \(items). Total: \(total). Please send your name and delivery address to confirm."
        case .french: return "Excellent choix ! J'ai noté votre commande : \(items). Total : \(total). Envoyez-moi votre nom et votre adresse de livraison pour confirmer."
        case .arabic: return "اختيار رائع! سجلت طلبك: \(items). المجموع: \(total). أرسل لي اسمك وعنوان التوصيل للتأكيد."
        case .arabizi: return "Ktir 7elo! Sajjalt talabak: \(items). El total: \(total). B3atli esmak w 3enwen el tawsil la2akked."
        }
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

    func resolution(_ resolution: ActionResolution) -> String {
        let note = resolution.response.map { " \($0)" } ?? ""
        let amount = resolution.requestedAmount.map { Self.percent($0) }
        switch (resolution.outcome, resolution.requestType) {
        case (.approved, "discount_approval"):
            let value = amount ?? "the discount"
            switch language {
            case .english: return "Good news! Our team approved your \(value) discount; it is applied to your order.\(note)"
            case .french: return "Bonne nouvelle ! Notre équipe a validé votre remise de \(value) ; elle est appliquée à votre commande.\(note)"
            case .arabic: return "خبر سار! وافق فريقنا على خصم \(value) وتم تطبيقه على طلبك.\(note)"
            case .arabizi: return "Khabar 7elo! El team wef2o 3a khasm \(value) w ma7soub 3a talabak.\(note)"
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
