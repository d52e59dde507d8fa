"""Every fixed sentence the Telegram channel says, per language (nl, en, tr, ar, pl, uk), in one place.

Only Telegram-specific UX lives here (greeting, commands, buttons, privacy, hand-over); frames shared by
every channel (crisis, errors, limits, headings) stay in ``bot.texts``. ``text(key, lang, **values)``
falls back to English, then Dutch, when a translation is missing. Keep sentences short: B1 level, one
idea per sentence. The texts are plain text: the channel escapes them before sending them as HTML.
"""

from __future__ import annotations

from typing import Final

from bot.texts import pick

TEXTS: Final[dict[str, dict[str, str]]] = {
    # ----- /start: a greeting plus three short lines (can/cannot, sources, data) ----------------------
    "start": {
        "nl": "Hallo, ik ben Ouderwijzer. Ik help ouders met vragen over passend onderwijs.\n"
        "✅ Ik leg uit hoe extra hulp op school werkt, zoals een TLV of een OPP. Ik kan geen dossiers "
        "inzien en niets voor u regelen.\n"
        "📚 Mijn antwoorden komen uit de bronnen die ik eronder noem. Het is geen juridisch advies.\n"
        "🔒 Ik bewaar uw vragen zonder namen en nummers, hooguit {days} dagen. Met /vergeet wist u alles.\n"
        "Stel gerust uw vraag. Uitleg: /help. Andere taal: /taal.",
        "en": "Hello, I am Ouderwijzer. I help parents with questions about passend onderwijs (special needs "
        "education in the Netherlands).\n"
        "✅ I explain how extra support at school works, such as a TLV or an OPP. I cannot see any files "
        "and cannot arrange anything for you.\n"
        "📚 My answers come from the sources I list below them. This is not legal advice.\n"
        "🔒 I keep your questions without names or numbers, for at most {days} days. Send /vergeet to "
        "erase everything.\n"
        "Go ahead and ask your question. Help: /help. Other language: /taal.",
        "tr": "Merhaba, ben Ouderwijzer. Velilere passend onderwijs (Hollanda'da özel destekli eğitim) "
        "hakkındaki sorularında yardım ediyorum.\n"
        "✅ Okulda ek desteğin nasıl işlediğini anlatırım, örneğin TLV veya OPP. Dosyaları göremem ve "
        "sizin için bir şey ayarlayamam.\n"
        "📚 Cevaplarım, altında belirttiğim kaynaklardan gelir. Bu hukuki tavsiye değildir.\n"
        "🔒 Sorularınızı isim ve numara olmadan, en fazla {days} gün saklarım. Her şeyi silmek için "
        "/vergeet gönderin.\n"
        "Sorunuzu sorabilirsiniz. Yardım: /help. Başka dil: /taal.",
        "ar": "مرحباً، أنا Ouderwijzer. أساعد الآباء والأمهات في أسئلتهم عن passend onderwijs "
        "(التعليم المناسب للأطفال ذوي الاحتياجات الخاصة في هولندا).\n"
        "✅ أشرح كيف يعمل الدعم الإضافي في المدرسة، مثل TLV أو OPP. لا أستطيع الاطلاع على الملفات "
        "ولا ترتيب أي شيء نيابةً عنكم.\n"
        "📚 إجاباتي مأخوذة من المصادر التي أذكرها تحتها. هذه ليست استشارة قانونية.\n"
        "🔒 أحفظ أسئلتكم بدون أسماء أو أرقام، لمدة {days} يوماً على الأكثر. أرسلوا /vergeet لمسح كل شيء.\n"
        "اطرحوا سؤالكم. المساعدة: /help. لغة أخرى: /taal.",
        "pl": "Dzień dobry, jestem Ouderwijzer. Pomagam rodzicom w pytaniach o passend onderwijs (edukację "
        "dzieci ze specjalnymi potrzebami w Holandii).\n"
        "✅ Wyjaśniam, jak działa dodatkowe wsparcie w szkole, na przykład TLV albo OPP. Nie widzę żadnych "
        "dokumentów i niczego nie mogę za Ciebie załatwić.\n"
        "📚 Moje odpowiedzi pochodzą ze źródeł, które podaję pod nimi. To nie jest porada prawna.\n"
        "🔒 Przechowuję Twoje pytania bez imion i numerów, najwyżej {days} dni. Wyślij /vergeet, aby "
        "wszystko usunąć.\n"
        "Zadaj pytanie. Pomoc: /help. Inny język: /taal.",
        "uk": "Вітаю, я Ouderwijzer. Я допомагаю батькам із запитаннями про passend onderwijs (навчання дітей "
        "з особливими потребами в Нідерландах).\n"
        "✅ Я пояснюю, як працює додаткова підтримка в школі, наприклад TLV або OPP. Я не бачу жодних "
        "документів і нічого не можу владнати за вас.\n"
        "📚 Мої відповіді взяті з джерел, які я наводжу під ними. Це не юридична консультація.\n"
        "🔒 Я зберігаю ваші запитання без імен і номерів, не довше {days} днів. Надішліть /vergeet, щоб "
        "усе видалити.\n"
        "Поставте своє запитання. Довідка: /help. Інша мова: /taal.",
    },
    # ----- /help ------------------------------------------------------------------------------------
    "help": {
        "nl": "Stel uw vraag in gewone woorden. Bijvoorbeeld:\n"
        "• Wat is een TLV?\n"
        "• Wat staat er in een OPP?\n"
        "• De school zegt dat ze mijn kind niet kunnen helpen. Wat nu?\n"
        "• Mijn kind zit al weken thuis. Wie kan helpen?\n\n"
        "Onder een antwoord staan knoppen: 📚 Bronnen (wat er precies in de bronnen staat), 👍 of 👎 "
        "(had u er iets aan?) en 🙋 Met een mens praten.\n\n"
        "Commando's:\n"
        "/taal – kies de taal van de antwoorden\n"
        "/privacy – wat ik bewaar en hoe lang\n"
        "/vergeet – wis alles over dit gesprek\n"
        "/help – deze uitleg\n\n"
        "In een groepsgesprek antwoord ik alleen als u mij noemt met @ of op mijn bericht reageert.",
        "en": "Ask your question in your own words. For example:\n"
        "• What is a TLV?\n"
        "• What is in an OPP?\n"
        "• The school says they cannot help my child. What now?\n"
        "• My child has been at home for weeks. Who can help?\n\n"
        "Below an answer you see buttons: 📚 Sources (what the sources say exactly), 👍 or 👎 (was it "
        "useful?) and 🙋 Talk to a person.\n\n"
        "Commands:\n"
        "/taal – choose the language of the answers\n"
        "/privacy – what I keep and for how long\n"
        "/vergeet – erase everything about this conversation\n"
        "/help – this explanation\n\n"
        "In a group chat I only answer when you mention me with @ or reply to my message.",
        "tr": "Sorunuzu kendi kelimelerinizle sorun. Örneğin:\n"
        "• TLV nedir?\n"
        "• OPP'de neler yazar?\n"
        "• Okul çocuğuma yardım edemeyeceğini söylüyor. Şimdi ne yapmalıyım?\n"
        "• Çocuğum haftalardır evde oturuyor. Kim yardım edebilir?\n\n"
        "Cevabın altında düğmeler vardır: 📚 Kaynaklar (kaynaklarda tam olarak ne yazdığı), 👍 veya 👎 "
        "(işinize yaradı mı?) ve 🙋 Bir insanla konuşmak.\n\n"
        "Komutlar:\n"
        "/taal – cevapların dilini seçin\n"
        "/privacy – neleri ne kadar süre sakladığım\n"
        "/vergeet – bu konuşmayla ilgili her şeyi silin\n"
        "/help – bu açıklama\n\n"
        "Grup sohbetinde sadece beni @ ile andığınızda veya mesajıma cevap verdiğinizde cevap veririm.",
        "ar": "اطرحوا سؤالكم بكلماتكم الخاصة. مثلاً:\n"
        "• ما هو TLV؟\n"
        "• ماذا يوجد في OPP؟\n"
        "• المدرسة تقول إنها لا تستطيع مساعدة طفلي. ماذا أفعل الآن؟\n"
        "• طفلي في البيت منذ أسابيع. من يستطيع المساعدة؟\n\n"
        "تحت كل إجابة توجد أزرار: 📚 المصادر (ما تقوله المصادر بالضبط)، 👍 أو 👎 (هل كانت مفيدة؟) "
        "و🙋 التحدث مع شخص.\n\n"
        "الأوامر:\n"
        "/taal – اختيار لغة الإجابات\n"
        "/privacy – ما أحفظه ولكم من الوقت\n"
        "/vergeet – مسح كل شيء عن هذه المحادثة\n"
        "/help – هذا الشرح\n\n"
        "في المحادثات الجماعية أجيب فقط عندما تذكرونني بـ @ أو تردون على رسالتي.",
        "pl": "Zadaj pytanie własnymi słowami. Na przykład:\n"
        "• Co to jest TLV?\n"
        "• Co jest w OPP?\n"
        "• Szkoła mówi, że nie może pomóc mojemu dziecku. Co teraz?\n"
        "• Moje dziecko od tygodni siedzi w domu. Kto może pomóc?\n\n"
        "Pod odpowiedzią są przyciski: 📚 Źródła (co dokładnie jest w źródłach), 👍 lub 👎 (czy to "
        "pomogło?) i 🙋 Porozmawiaj z człowiekiem.\n\n"
        "Polecenia:\n"
        "/taal – wybierz język odpowiedzi\n"
        "/privacy – co przechowuję i jak długo\n"
        "/vergeet – usuń wszystko o tej rozmowie\n"
        "/help – to wyjaśnienie\n\n"
        "W czacie grupowym odpowiadam tylko, gdy oznaczysz mnie przez @ albo odpowiesz na moją wiadomość.",
        "uk": "Поставте запитання своїми словами. Наприклад:\n"
        "• Що таке TLV?\n"
        "• Що написано в OPP?\n"
        "• Школа каже, що не може допомогти моїй дитині. Що робити?\n"
        "• Моя дитина вже кілька тижнів сидить удома. Хто може допомогти?\n\n"
        "Під відповіддю є кнопки: 📚 Джерела (що саме написано в джерелах), 👍 або 👎 (чи це допомогло?) "
        "і 🙋 Поговорити з людиною.\n\n"
        "Команди:\n"
        "/taal – вибрати мову відповідей\n"
        "/privacy – що я зберігаю і як довго\n"
        "/vergeet – видалити все про цю розмову\n"
        "/help – це пояснення\n\n"
        "У груповому чаті я відповідаю, лише коли ви згадуєте мене через @ або відповідаєте на моє повідомлення.",
    },
    # ----- /taal ------------------------------------------------------------------------------------
    "taal_prompt": {
        "nl": "In welke taal wilt u antwoord? 'Automatisch' betekent: in de taal van uw vraag. "
        "Citaten uit de bronnen blijven Nederlands.",
        "en": "Which language would you like your answers in? 'Automatic' means: in the language of your "
        "question. Quotes from the sources stay in Dutch.",
        "tr": "Cevapları hangi dilde istersiniz? 'Otomatik': sorunuzun dilinde demektir. Kaynaklardan "
        "alıntılar Felemenkçe kalır.",
        "ar": "بأي لغة تريدون الإجابات؟ 'تلقائي' يعني: بلغة سؤالكم. الاقتباسات من المصادر تبقى باللغة الهولندية.",
        "pl": "W jakim języku chcesz dostawać odpowiedzi? 'Automatycznie' oznacza: w języku Twojego pytania. "
        "Cytaty ze źródeł pozostają po niderlandzku.",
        "uk": "Якою мовою ви хочете отримувати відповіді? 'Автоматично' означає: мовою вашого запитання. "
        "Цитати з джерел залишаються нідерландською.",
    },
    "taal_auto": {
        "nl": "Automatisch",
        "en": "Automatic",
        "tr": "Otomatik",
        "ar": "تلقائي",
        "pl": "Automatycznie",
        "uk": "Автоматично",
    },
    "taal_set": {
        "nl": "Ik antwoord vanaf nu in het Nederlands.",
        "en": "From now on I will answer in English.",
        "tr": "Bundan sonra Türkçe cevap vereceğim.",
        "ar": "سأجيب من الآن فصاعداً باللغة العربية.",
        "pl": "Od teraz odpowiadam po polsku.",
        "uk": "Відтепер я відповідатиму українською.",
    },
    "taal_auto_set": {
        "nl": "Ik antwoord vanaf nu in de taal van uw vraag.",
        "en": "From now on I will answer in the language of your question.",
        "tr": "Bundan sonra sorunuzun dilinde cevap vereceğim.",
        "ar": "سأجيب من الآن فصاعداً بلغة سؤالكم.",
        "pl": "Od teraz odpowiadam w języku Twojego pytania.",
        "uk": "Відтепер я відповідатиму мовою вашого запитання.",
    },
    "taal_failed": {
        "nl": "Het opslaan van uw taalkeuze is nu niet gelukt. Probeer het later opnieuw.",
        "en": "I could not save your language choice right now. Please try again later.",
        "tr": "Dil seçiminizi şu anda kaydedemedim. Lütfen daha sonra tekrar deneyin.",
        "ar": "لم أتمكن من حفظ اختيار اللغة الآن. حاولوا مرة أخرى لاحقاً.",
        "pl": "Nie udało się teraz zapisać wyboru języka. Spróbuj ponownie później.",
        "uk": "Зараз не вдалося зберегти вибір мови. Спробуйте пізніше.",
    },
    # ----- /privacy and /vergeet --------------------------------------------------------------------
    "privacy": {
        "nl": "Wat ik bewaar:\n"
        "• Uw laatste {turns} vragen, zodat ik een vervolgvraag begrijp. Namen, BSN, telefoonnummers, "
        "e-mailadressen en adressen haal ik er eerst uit. Na {ttl} minuten stilte gebruik ik ze niet meer.\n"
        "• Per antwoord een korte notitie: de vraag zonder persoonsgegevens en welke bronnen ik gebruikte. "
        "En uw 👍 of 👎.\n"
        "• De taal die u koos.\n"
        "Uw naam en uw chatnummer bewaar ik niet. Ik gebruik een code die niemand kan terugrekenen.\n"
        "Alles wordt na {days} dagen vanzelf gewist. Met /vergeet wist u nu meteen alles over dit gesprek.",
        "en": "What I keep:\n"
        "• Your last {turns} questions, so I understand a follow-up question. I first remove names, BSN "
        "(citizen service number), phone numbers, e-mail addresses and addresses. After {ttl} minutes "
        "of silence I no longer use them.\n"
        "• A short note per answer: the question without personal data and which sources I used. And your "
        "👍 or 👎.\n"
        "• The language you chose.\n"
        "I do not keep your name or your chat number. I use a code that nobody can trace back.\n"
        "Everything is erased automatically after {days} days. Send /vergeet to erase everything about "
        "this conversation right now.",
        "tr": "Sakladıklarım:\n"
        "• Takip sorunuzu anlayabilmek için son {turns} sorunuz. Önce isimleri, BSN'yi, telefon "
        "numaralarını, e-posta adreslerini ve adresleri çıkarırım. {ttl} dakika sessizlikten sonra "
        "onları artık kullanmam.\n"
        "• Her cevap için kısa bir not: kişisel bilgiler olmadan soru ve kullandığım kaynaklar. Ve "
        "👍 veya 👎 oyunuz.\n"
        "• Seçtiğiniz dil.\n"
        "Adınızı ve sohbet numaranızı saklamam. Kimsenin geri çözemeyeceği bir kod kullanırım.\n"
        "Her şey {days} gün sonra otomatik olarak silinir. Bu konuşmayla ilgili her şeyi hemen silmek "
        "için /vergeet gönderin.",
        "ar": "ما أحفظه:\n"
        "• آخر {turns} أسئلة منكم، لكي أفهم السؤال التالي. أحذف أولاً الأسماء ورقم BSN وأرقام الهاتف "
        "وعناوين البريد الإلكتروني والعناوين. بعد {ttl} دقيقة من الصمت لا أستخدمها بعد ذلك.\n"
        "• ملاحظة قصيرة لكل إجابة: السؤال بدون بيانات شخصية والمصادر التي استخدمتها. وتقييمكم 👍 أو 👎.\n"
        "• اللغة التي اخترتموها.\n"
        "لا أحفظ اسمكم ولا رقم محادثتكم. أستخدم رمزاً لا يستطيع أحد الرجوع منه إليكم.\n"
        "يُمسح كل شيء تلقائياً بعد {days} يوماً. أرسلوا /vergeet لمسح كل شيء عن هذه المحادثة الآن.",
        "pl": "Co przechowuję:\n"
        "• Twoje ostatnie {turns} pytania, żeby zrozumieć pytanie uzupełniające. Najpierw usuwam imiona, "
        "BSN, numery telefonów, adresy e-mail i adresy. Po {ttl} minutach ciszy już ich nie używam.\n"
        "• Krótką notatkę do każdej odpowiedzi: pytanie bez danych osobowych i źródła, których użyłem. "
        "I Twoje 👍 lub 👎.\n"
        "• Wybrany przez Ciebie język.\n"
        "Nie przechowuję Twojego imienia ani numeru czatu. Używam kodu, którego nikt nie może odwrócić.\n"
        "Wszystko jest automatycznie usuwane po {days} dniach. Wyślij /vergeet, aby od razu usunąć "
        "wszystko o tej rozmowie.",
        "uk": "Що я зберігаю:\n"
        "• Ваші останні {turns} запитання, щоб зрозуміти уточнення. Спочатку я прибираю імена, BSN, "
        "номери телефонів, адреси електронної пошти та адреси. Після {ttl} хвилин тиші я їх більше "
        "не використовую.\n"
        "• Коротку нотатку до кожної відповіді: запитання без персональних даних і джерела, які я "
        "використав. І ваші 👍 або 👎.\n"
        "• Мову, яку ви вибрали.\n"
        "Я не зберігаю ваше ім'я чи номер чату. Я використовую код, за яким вас неможливо знайти.\n"
        "Усе автоматично видаляється через {days} днів. Надішліть /vergeet, щоб негайно видалити все "
        "про цю розмову.",
    },
    "forgotten": {
        "nl": "Klaar. Ik heb alles over dit gesprek gewist: uw vragen, uw taalkeuze en uw reacties.",
        "en": "Done. I erased everything about this conversation: your questions, your language choice and "
        "your feedback.",
        "tr": "Tamam. Bu konuşmayla ilgili her şeyi sildim: sorularınızı, dil seçiminizi ve geri bildirimlerinizi.",
        "ar": "تم. مسحت كل شيء عن هذه المحادثة: أسئلتكم واختيار اللغة وتقييماتكم.",
        "pl": "Gotowe. Usunąłem wszystko o tej rozmowie: Twoje pytania, wybór języka i opinie.",
        "uk": "Готово. Я видалив усе про цю розмову: ваші запитання, вибір мови та відгуки.",
    },
    "forget_failed": {
        "nl": "Het wissen is nu niet gelukt. Probeer /vergeet over een paar minuten opnieuw.",
        "en": "Erasing did not work right now. Please try /vergeet again in a few minutes.",
        "tr": "Silme işlemi şu anda olmadı. Lütfen birkaç dakika sonra /vergeet komutunu tekrar deneyin.",
        "ar": "لم ينجح المسح الآن. حاولوا /vergeet مرة أخرى بعد بضع دقائق.",
        "pl": "Usuwanie teraz się nie udało. Spróbuj /vergeet ponownie za kilka minut.",
        "uk": "Зараз не вдалося видалити. Спробуйте /vergeet ще раз за кілька хвилин.",
    },
    # ----- what the bot cannot read -----------------------------------------------------------------
    "unsupported": {
        "nl": "Ik kan alleen tekstberichten lezen, geen foto's, spraakberichten, stickers of bestanden. "
        "Typ uw vraag over passend onderwijs in een bericht.",
        "en": "I can only read text messages, not photos, voice messages, stickers or files. Please type "
        "your question about passend onderwijs in a message.",
        "tr": "Sadece metin mesajlarını okuyabilirim; fotoğraf, sesli mesaj, çıkartma veya dosya okuyamam. "
        "Lütfen passend onderwijs ile ilgili sorunuzu mesaj olarak yazın.",
        "ar": "أستطيع قراءة الرسائل النصية فقط، وليس الصور أو الرسائل الصوتية أو الملصقات أو الملفات. "
        "اكتبوا سؤالكم عن passend onderwijs في رسالة.",
        "pl": "Umiem czytać tylko wiadomości tekstowe, nie zdjęcia, wiadomości głosowe, naklejki ani pliki. "
        "Napisz swoje pytanie o passend onderwijs w wiadomości.",
        "uk": "Я можу читати лише текстові повідомлення, а не фото, голосові повідомлення, стікери чи файли. "
        "Напишіть своє запитання про passend onderwijs у повідомленні.",
    },
    "edited": {
        "nl": "Ik lees alleen nieuwe berichten, geen aangepaste. Stuur uw vraag opnieuw als nieuw bericht.",
        "en": "I only read new messages, not edited ones. Please send your question again as a new message.",
        "tr": "Sadece yeni mesajları okurum, düzenlenmiş mesajları okumam. Lütfen sorunuzu yeni bir mesaj "
        "olarak tekrar gönderin.",
        "ar": "أقرأ الرسائل الجديدة فقط، وليس الرسائل المعدّلة. أرسلوا سؤالكم مرة أخرى كرسالة جديدة.",
        "pl": "Czytam tylko nowe wiadomości, nie poprawione. Wyślij pytanie jeszcze raz jako nową wiadomość.",
        "uk": "Я читаю лише нові повідомлення, а не відредаговані. Надішліть запитання ще раз новим повідомленням.",
    },
    "unknown_command": {
        "nl": "Dat commando ken ik niet. Kijk bij /help welke er zijn.",
        "en": "I do not know that command. See /help for the ones I know.",
        "tr": "Bu komutu bilmiyorum. Bildiğim komutlar için /help yazın.",
        "ar": "لا أعرف هذا الأمر. انظروا /help لمعرفة الأوامر المتاحة.",
        "pl": "Nie znam tego polecenia. Zobacz /help, aby poznać dostępne polecenia.",
        "uk": "Я не знаю цієї команди. Перегляньте /help, щоб побачити доступні команди.",
    },
    # ----- buttons under an answer ------------------------------------------------------------------
    "btn_sources": {
        "nl": "📚 Bronnen",
        "en": "📚 Sources",
        "tr": "📚 Kaynaklar",
        "ar": "📚 المصادر",
        "pl": "📚 Źródła",
        "uk": "📚 Джерела",
    },
    "btn_human": {
        "nl": "🙋 Met een mens praten",
        "en": "🙋 Talk to a person",
        "tr": "🙋 Bir insanla konuşmak",
        "ar": "🙋 التحدث مع شخص",
        "pl": "🙋 Porozmawiaj z człowiekiem",
        "uk": "🙋 Поговорити з людиною",
    },
    "btn_feedback_received": {
        "nl": "✓ Bedankt voor uw reactie",
        "en": "✓ Thanks for your feedback",
        "tr": "✓ Geri bildiriminiz için teşekkürler",
        "ar": "✓ شكراً على رأيكم",
        "pl": "✓ Dziękuję za opinię",
        "uk": "✓ Дякую за відгук",
    },
    "feedback_up": {
        "nl": "Dank u wel! Fijn dat het hielp.",
        "en": "Thank you! Glad it helped.",
        "tr": "Teşekkürler! Yardımcı olabildiğime sevindim.",
        "ar": "شكراً لكم! يسعدني أن الإجابة ساعدتكم.",
        "pl": "Dziękuję! Cieszę się, że to pomogło.",
        "uk": "Дякую! Радий, що це допомогло.",
    },
    "feedback_down": {
        "nl": "Dank u wel. Hiermee maken we de antwoorden beter.",
        "en": "Thank you. This helps us make the answers better.",
        "tr": "Teşekkürler. Bu, cevapları iyileştirmemize yardım eder.",
        "ar": "شكراً لكم. هذا يساعدنا على تحسين الإجابات.",
        "pl": "Dziękuję. To pomaga nam ulepszać odpowiedzi.",
        "uk": "Дякую. Це допомагає нам покращувати відповіді.",
    },
    "feedback_already": {
        "nl": "U heeft dit antwoord al beoordeeld.",
        "en": "You already rated this answer.",
        "tr": "Bu cevabı zaten değerlendirdiniz.",
        "ar": "لقد قيّمتم هذه الإجابة من قبل.",
        "pl": "Ta odpowiedź została już oceniona.",
        "uk": "Ви вже оцінили цю відповідь.",
    },
    "quotes_heading": {
        "nl": "Wat er precies in de bronnen staat:",
        "en": "What the sources say exactly:",
        "tr": "Kaynaklarda tam olarak yazanlar:",
        "ar": "ما تقوله المصادر بالضبط:",
        "pl": "Co dokładnie jest w źródłach:",
        "uk": "Що саме написано в джерелах:",
    },
    "quotes_none": {
        "nl": "Bij dit antwoord horen geen citaten.",
        "en": "There are no quotes with this answer.",
        "tr": "Bu cevapla ilgili alıntı yok.",
        "ar": "لا توجد اقتباسات مع هذه الإجابة.",
        "pl": "Do tej odpowiedzi nie ma cytatów.",
        "uk": "До цієї відповіді немає цитат.",
    },
    "answer_expired": {
        "nl": "Dit antwoord heb ik niet meer bij de hand. Stel uw vraag gerust opnieuw.",
        "en": "I no longer have this answer at hand. Feel free to ask your question again.",
        "tr": "Bu cevap artık elimde değil. Sorunuzu tekrar sorabilirsiniz.",
        "ar": "لم تعد هذه الإجابة متاحة لدي. يمكنكم طرح سؤالكم مرة أخرى.",
        "pl": "Nie mam już tej odpowiedzi. Możesz zadać pytanie ponownie.",
        "uk": "Цієї відповіді в мене вже немає. Поставте запитання ще раз.",
    },
    # ----- "Met een mens praten" --------------------------------------------------------------------
    "human_intro": {
        "nl": "Met deze mensen kunt u praten:",
        "en": "You can talk to these people:",
        "tr": "Bu kişilerle konuşabilirsiniz:",
        "ar": "يمكنكم التحدث مع هؤلاء الأشخاص:",
        "pl": "Możesz porozmawiać z tymi osobami:",
        "uk": "Ви можете поговорити з цими людьми:",
    },
    "human_fallback": {
        "nl": "• De school van uw kind: de leerkracht of mentor, of de intern begeleider.\n"
        "• Het samenwerkingsverband of het ouder- en jeugdsteunpunt in uw regio.\n"
        "• De Onderwijsconsulenten: gratis en onafhankelijk, als u er met school en samenwerkingsverband "
        "niet uitkomt.",
        "en": "• Your child's school: the teacher or mentor, or the special needs coordinator (intern "
        "begeleider).\n"
        "• The samenwerkingsverband (regional partnership) or the parent and youth support point (ouder- "
        "en jeugdsteunpunt) in your region.\n"
        "• The Onderwijsconsulenten: free and independent, when you cannot agree with the school and the "
        "samenwerkingsverband.",
        "tr": "• Çocuğunuzun okulu: öğretmen veya mentor ya da özel destek koordinatörü (intern begeleider).\n"
        "• Bölgenizdeki samenwerkingsverband veya veli ve gençlik destek noktası (ouder- en "
        "jeugdsteunpunt).\n"
        "• Onderwijsconsulenten: okul ve samenwerkingsverband ile anlaşamazsanız ücretsiz ve bağımsız "
        "yardım.",
        "ar": "• مدرسة طفلكم: المعلم أو المرشد، أو منسق الدعم (intern begeleider).\n"
        "• الـ samenwerkingsverband أو نقطة دعم الأهل والشباب (ouder- en jeugdsteunpunt) في منطقتكم.\n"
        "• الـ Onderwijsconsulenten: مجاناً وبشكل مستقل، إذا لم تتفقوا مع المدرسة والـ samenwerkingsverband.",
        "pl": "• Szkoła Twojego dziecka: nauczyciel lub mentor albo koordynator wsparcia (intern begeleider).\n"
        "• Samenwerkingsverband albo punkt wsparcia dla rodziców i młodzieży (ouder- en jeugdsteunpunt) "
        "w Twoim regionie.\n"
        "• Onderwijsconsulenten: bezpłatnie i niezależnie, gdy nie możesz dojść do porozumienia ze szkołą "
        "i samenwerkingsverband.",
        "uk": "• Школа вашої дитини: учитель або ментор, або координатор підтримки (intern begeleider).\n"
        "• Samenwerkingsverband або пункт підтримки батьків і молоді (ouder- en jeugdsteunpunt) у вашому "
        "регіоні.\n"
        "• Onderwijsconsulenten: безкоштовно й незалежно, якщо ви не можете домовитися зі школою та "
        "samenwerkingsverband.",
    },
    "human_forwarded": {
        "nl": "Ik heb het team van Ouderwijzer een korte samenvatting gestuurd, zonder namen en nummers. "
        "Het team kan u niet zelf terugschrijven. Neem voor hulp contact op met een van de mensen hierboven.",
        "en": "I sent the Ouderwijzer team a short summary, without names or numbers. The team cannot write "
        "back to you. For help, please contact one of the people above.",
        "tr": "Ouderwijzer ekibine isim ve numara içermeyen kısa bir özet gönderdim. Ekip size kendisi "
        "yazamaz. Yardım için yukarıdaki kişilerden biriyle iletişime geçin.",
        "ar": "أرسلت إلى فريق Ouderwijzer ملخصاً قصيراً بدون أسماء أو أرقام. لا يستطيع الفريق مراسلتكم. "
        "للمساعدة تواصلوا مع أحد الأشخاص المذكورين أعلاه.",
        "pl": "Wysłałem zespołowi Ouderwijzer krótkie podsumowanie, bez imion i numerów. Zespół nie może "
        "sam do Ciebie napisać. Po pomoc zwróć się do jednej z osób powyżej.",
        "uk": "Я надіслав команді Ouderwijzer короткий підсумок без імен і номерів. Команда не може написати "
        "вам сама. По допомогу зверніться до однієї з людей вище.",
    },
    # ----- for staff (Dutch only) -------------------------------------------------------------------
    "staff_summary": {
        "nl": "🙋 Een ouder vroeg via Telegram om een mens.\n"
        "Taal: {language}\n"
        "Uitkomst van het laatste antwoord: {outcome}\n"
        "Referentie (audit): {answer_id}\n"
        "Recente vragen (zonder persoonsgegevens):",
    },
    "staff_no_questions": {"nl": "(geen recente vragen bewaard)"},
    # ----- command menu (setMyCommands) -------------------------------------------------------------
    "cmd_start": {
        "nl": "Wat deze bot doet",
        "en": "What this bot does",
        "tr": "Bu botun yaptıkları",
        "ar": "ماذا يفعل هذا البوت",
        "pl": "Co robi ten bot",
        "uk": "Що робить цей бот",
    },
    "cmd_help": {
        "nl": "Voorbeeldvragen en uitleg",
        "en": "Example questions and help",
        "tr": "Örnek sorular ve yardım",
        "ar": "أمثلة على الأسئلة ومساعدة",
        "pl": "Przykładowe pytania i pomoc",
        "uk": "Приклади запитань і довідка",
    },
    "cmd_taal": {
        "nl": "Kies de taal van de antwoorden",
        "en": "Choose the language of the answers",
        "tr": "Cevapların dilini seçin",
        "ar": "اختيار لغة الإجابات",
        "pl": "Wybierz język odpowiedzi",
        "uk": "Вибрати мову відповідей",
    },
    "cmd_privacy": {
        "nl": "Wat er wordt bewaard en hoe lang",
        "en": "What is kept and for how long",
        "tr": "Neler ne kadar süre saklanıyor",
        "ar": "ما يُحفظ ولكم من الوقت",
        "pl": "Co jest przechowywane i jak długo",
        "uk": "Що зберігається і як довго",
    },
    "cmd_vergeet": {
        "nl": "Wis alles over dit gesprek",
        "en": "Erase everything about this conversation",
        "tr": "Bu konuşmayla ilgili her şeyi sil",
        "ar": "مسح كل شيء عن هذه المحادثة",
        "pl": "Usuń wszystko o tej rozmowie",
        "uk": "Видалити все про цю розмову",
    },
}


def text(key: str, lang: str, **values: object) -> str:
    """The fixed text ``key`` in ``lang`` (English, then Dutch, when missing), with ``values`` filled in."""
    return pick(TEXTS, key, lang, **values)


def has_translation(key: str, lang: str) -> bool:
    """True when ``key`` has its own text in ``lang`` (used by a test that checks every language)."""
    return lang in TEXTS[key]
