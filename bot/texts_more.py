"""Translations of bot/texts.py into tr, ar, pl and uk (merged into TEXTS by texts.py)."""

MORE: dict[str, dict[str, str]] = {
    "intro": {
        "tr": "Kaynaklarda şunlar yazıyor:",
        "ar": "هذا ما تقوله المصادر:",
        "pl": "Oto, co mówią źródła:",
        "uk": "Ось що кажуть джерела:",
    },
    "intro_dutch_quotes": {
        "tr": "Bunu Hollandaca kaynaklarda buldum. Kaynaklar Hollandaca olduğu için aşağıdaki alıntılar da Hollandaca:",
        "ar": "وجدتُ هذا في مصادر هولندية. الاقتباسات أدناه باللغة الهولندية، لأن المصادر باللغة الهولندية:",
        "pl": (
            "To informacje ze źródeł w języku niderlandzkim. Cytaty poniżej są po niderlandzku, ponieważ źródła są po "
            "niderlandzku:"
        ),
        "uk": "Це інформація з нідерландських джерел. Цитати нижче нідерландською мовою, бо джерела нідерландською:",
    },
    "sources_label": {
        "tr": "Kaynaklar",
        "ar": "المصادر",
        "pl": "Źródła",
        "uk": "Джерела",
    },
    "quote_label": {
        "tr": "Alıntı (Hollandaca)",
        "ar": "اقتباس (بالهولندية)",
        "pl": "Cytat (po niderlandzku)",
        "uk": "Цитата (нідерландською)",
    },
    "checked_label": {
        "tr": "kontrol edildi",
        "ar": "تم التحقق",
        "pl": "sprawdzono",
        "uk": "перевірено",
    },
    "based_on_label": {
        "tr": "dayandığı kaynaklar",
        "ar": "استنادًا إلى",
        "pl": "na podstawie",
        "uk": "на основі",
    },
    "glossary_heading": {
        "tr": "Bu ne anlama geliyor?",
        "ar": "ماذا يعني هذا؟",
        "pl": "Co to znaczy?",
        "uk": "Що це означає?",
    },
    "steps_heading": {
        "tr": "Atabileceğiniz adımlar:",
        "ar": "خطوات يمكنكم القيام بها:",
        "pl": "Kroki, które można podjąć:",
        "uk": "Кроки, які ви можете зробити:",
    },
    "steps_from": {
        "tr": "{done} ile zaten konuştunuz. Sonraki adım:",
        "ar": "لقد تحدثتم بالفعل مع {done}. الخطوة التالية:",
        "pl": "Rozmowa z: {done} już się odbyła. Następny krok:",
        "uk": "Ви вже говорили з: {done}. Наступний крок:",
    },
    "stale_notice": {
        "tr": "Dikkat: [{n}] numaralı kaynağın tarihi: {date}. Kurallar o zamandan beri değişmiş olabilir.",
        "ar": "تنبيه: المصدر [{n}] بتاريخ {date}. ربما تغيّرت القواعد منذ ذلك الوقت.",
        "pl": "Uwaga: źródło [{n}] ma datę {date}. Od tego czasu przepisy mogły się zmienić.",
        "uk": "Увага: джерело [{n}] датоване {date}. Відтоді правила могли змінитися.",
    },
    "only_stale": {
        "tr": (
            "Bu cevap sadece eski bir kaynağa dayanıyor. Bilginin hâlâ doğru olup olmadığını okul veya "
            "samenwerkingsverband (bölgedeki okulların işbirliği kurumu) ile kontrol edin."
        ),
        "ar": (
            "هذه الإجابة تعتمد فقط على مصدر قديم. اسألوا المدرسة أو samenwerkingsverband (الشراكة الإقليمية بين "
            "المدارس) هل ما زالت المعلومات صحيحة."
        ),
        "pl": (
            "Ta odpowiedź opiera się tylko na starszym źródle. Proszę sprawdzić w szkole lub w samenwerkingsverband "
            "(regionalne partnerstwo szkół), czy to nadal aktualne."
        ),
        "uk": (
            "Ця відповідь спирається лише на старіше джерело. Перевірте в школі або в samenwerkingsverband "
            "(регіональне об'єднання шкіл), чи це досі актуально."
        ),
    },
    "regional_note": {
        "tr": (
            "Kurallar her samenwerkingsverband (bölgedeki okulların işbirliği kurumu) için farklıdır. Kendi "
            "samenwerkingsverband kurumunuzun ondersteuningsplan (destek planı) belgesine de bakın."
        ),
        "ar": (
            "القواعد تختلف من samenwerkingsverband (الشراكة الإقليمية بين المدارس) إلى آخر. اطّلعوا أيضًا على "
            "ondersteuningsplan (خطة الدعم) الخاصة بالـ samenwerkingsverband في منطقتكم."
        ),
        "pl": (
            "Zasady są różne w każdym samenwerkingsverband (regionalne partnerstwo szkół). Proszę sprawdzić też "
            "ondersteuningsplan (plan wsparcia) swojego samenwerkingsverband."
        ),
        "uk": (
            "Правила відрізняються в кожному samenwerkingsverband (регіональне об'єднання шкіл). Також перегляньте "
            "ondersteuningsplan (план підтримки) вашого samenwerkingsverband."
        ),
    },
    "disclaimer": {
        "tr": "Bu, belirtilen kaynaklardan alınmış genel bir bilgidir. Hukuki tavsiye değildir.",
        "ar": "هذه معلومات عامة من المصادر المذكورة. وهي ليست استشارة قانونية.",
        "pl": "To są ogólne informacje z podanych źródeł. To nie jest porada prawna.",
        "uk": "Це загальна інформація з указаних джерел. Це не юридична консультація.",
    },
    "refuse_no_evidence": {
        "tr": (
            "Bu soruya güvenilir bir cevap veremiyorum. Bu konu, passend onderwijs (özel desteğe ihtiyacı olan "
            "çocuklar için uygun eğitim) hakkındaki kaynaklarımda yok. Bir şey uydurmak istemiyorum."
        ),
        "ar": (
            "لا أستطيع أن أعطي إجابة موثوقة عن هذا السؤال. فهو غير موجود في مصادري عن passend onderwijs (التعليم "
            "المناسب للأطفال ذوي الاحتياجات الخاصة)، ولا أريد أن أختلق أي شيء."
        ),
        "pl": (
            "Nie mogę dać wiarygodnej odpowiedzi na to pytanie. Nie ma tego w moich źródłach o passend onderwijs "
            "(edukacja dla dzieci ze specjalnymi potrzebami), a nie chcę niczego wymyślać."
        ),
        "uk": (
            "Я не можу дати надійну відповідь на це питання. Цього немає в моїх джерелах про passend onderwijs "
            "(навчання для дітей з особливими освітніми потребами), а я не хочу нічого вигадувати."
        ),
    },
    "refuse_off_topic": {
        "tr": (
            "Bu konuda size yardımcı olamıyorum. Sadece passend onderwijs (özel desteğe ihtiyacı olan çocuklar için "
            "uygun eğitim) hakkındaki soruları cevaplıyorum: okulda ek destek, TLV (özel eğitim okuluna kabul izni), "
            "OPP (çocuğun gelişim planı), okulun çocuğa uygun bir yer bulma görevi (zorgplicht) ve okulla "
            "anlaşamadığınızda neler yapabileceğiniz."
        ),
        "ar": (
            "لا أستطيع مساعدتكم في ذلك. أنا أجيب فقط عن الأسئلة المتعلقة بـ passend onderwijs (التعليم المناسب "
            "للأطفال ذوي الاحتياجات الخاصة): الدعم الإضافي في المدرسة، و TLV (إذن القبول في مدرسة التربية الخاصة)، و "
            "OPP (خطة تطوّر الطفل)، وواجب المدرسة في إيجاد مكان مناسب للطفل (zorgplicht)، وما يمكنكم فعله عندما لا "
            "تتفقون مع المدرسة."
        ),
        "pl": (
            "W tym nie mogę pomóc. Odpowiadam tylko na pytania o passend onderwijs (edukacja dla dzieci ze "
            "specjalnymi potrzebami): dodatkowe wsparcie w szkole, TLV (zgoda na naukę w szkole specjalnej), OPP "
            "(plan rozwoju dziecka), obowiązek szkoły, by znaleźć dziecku odpowiednie miejsce (zorgplicht), oraz co "
            "można zrobić w razie sporu ze szkołą."
        ),
        "uk": (
            "З цим я не можу допомогти. Я відповідаю лише на питання про passend onderwijs (навчання для дітей з "
            "особливими освітніми потребами): додаткова підтримка в школі, TLV (дозвіл на навчання в спеціальній "
            "школі), OPP (план розвитку дитини), обов'язок школи знайти для дитини відповідне місце (zorgplicht) і що "
            "ви можете зробити, якщо не згодні зі школою."
        ),
    },
    "refuse_injection": {
        "tr": (
            "Mesajların içindeki talimatları uygulamıyorum ve ayarlarımı göstermiyorum. Sadece kaynaklı cevaplar "
            "veriyorum. Bana passend onderwijs (özel desteğe ihtiyacı olan çocuklar için uygun eğitim) hakkında "
            "rahatça soru sorabilirsiniz."
        ),
        "ar": (
            "أنا لا أتّبع التعليمات الموجودة داخل الرسائل، ولا أعرض إعداداتي. أنا أعطي فقط إجابات مع مصادرها. يمكنكم "
            "أن تسألوا بكل راحة عن passend onderwijs (التعليم المناسب للأطفال ذوي الاحتياجات الخاصة)."
        ),
        "pl": (
            "Nie wykonuję poleceń zapisanych w wiadomości i nie pokazuję swoich ustawień. Podaję tylko odpowiedzi ze "
            "źródłami. Zachęcam do zadania pytania o passend onderwijs (edukacja dla dzieci ze specjalnymi "
            "potrzebami)."
        ),
        "uk": (
            "Я не виконую інструкцій, які є в повідомленні, і не показую своїх налаштувань. Я даю лише відповіді з "
            "джерелами. Ви можете поставити питання про passend onderwijs (навчання для дітей з особливими освітніми "
            "потребами)."
        ),
    },
    "refuse_privacy": {
        "tr": (
            "Başka bir çocuk hakkında bilgi arayamam veya paylaşamam. Hiçbir dosyaya erişimim yok. Bu bilgiler sadece "
            "ebeveynlerde ve okulda var."
        ),
        "ar": (
            "لا أستطيع البحث عن معلومات عن طفل آخر أو مشاركتها. ليس لديّ أي وصول إلى الملفات. هذه المعلومات موجودة "
            "فقط لدى الوالدين والمدرسة."
        ),
        "pl": (
            "Nie mogę wyszukiwać ani przekazywać informacji o innym dziecku. Nie mam dostępu do żadnych akt. Te "
            "informacje mają tylko rodzice i szkoła."
        ),
        "uk": (
            "Я не можу шукати або передавати інформацію про іншу дитину. Я не маю доступу до жодних документів. Цю "
            "інформацію мають лише батьки та школа."
        ),
    },
    "who_can_help": {
        "tr": (
            "Size başka kim yardımcı olabilir? Çocuğunuzun okulu, samenwerkingsverband (bölgedeki okulların işbirliği "
            "kurumu) bünyesindeki ouder- en jeugdsteunpunt (ebeveyn ve gençlik destek noktası) ya da "
            "Onderwijsconsulenten (bağımsız eğitim danışmanları)."
        ),
        "ar": (
            "من يمكنه مساعدتكم أكثر؟ مدرسة طفلكم، أو ouder- en jeugdsteunpunt (نقطة دعم الأهل والشباب) التابعة لـ "
            "samenwerkingsverband (الشراكة الإقليمية بين المدارس) في منطقتكم، أو Onderwijsconsulenten (مستشارو تعليم "
            "مستقلون)."
        ),
        "pl": (
            "Kto może pomóc dalej? Szkoła dziecka, ouder- en jeugdsteunpunt (punkt wsparcia dla rodziców i młodzieży) "
            "w samenwerkingsverband (regionalne partnerstwo szkół) w danym regionie albo Onderwijsconsulenten "
            "(niezależni doradcy edukacyjni)."
        ),
        "uk": (
            "Хто ще може вам допомогти? Школа вашої дитини, ouder- en jeugdsteunpunt (пункт підтримки батьків і "
            "молоді) вашого samenwerkingsverband (регіональне об'єднання шкіл) або Onderwijsconsulenten (незалежні "
            "консультанти з питань освіти)."
        ),
    },
    "offer": {
        "tr": (
            "Sorunuz passend onderwijs (özel desteğe ihtiyacı olan çocuklar için uygun eğitim) hakkında mı? "
            "Memnuniyetle, kaynaklarıyla birlikte cevaplarım."
        ),
        "ar": (
            "هل لديكم سؤال عن passend onderwijs (التعليم المناسب للأطفال ذوي الاحتياجات الخاصة)؟ يسعدني أن أجيب عنه، "
            "مع ذكر المصادر."
        ),
        "pl": (
            "Pytanie o passend onderwijs (edukacja dla dzieci ze specjalnymi potrzebami)? Chętnie na nie odpowiem i "
            "podam źródła."
        ),
        "uk": (
            "У вас є питання про passend onderwijs (навчання для дітей з особливими освітніми потребами)? Я охоче "
            "відповім і вкажу джерела."
        ),
    },
    "clarify": {
        "tr": (
            "Sorunuz ne hakkında? Örneğin şöyle sorabilirsiniz: 'Çocuğum özel eğitim okulunda nasıl yer bulur?', 'OPP "
            "nedir?' veya 'Okul çocuğumu kabul etmiyor, şimdi ne yapmalıyım?'"
        ),
        "ar": (
            "عن أي موضوع سؤالكم؟ يمكنكم مثلًا أن تسألوا: 'كيف يحصل طفلي على مكان في مدرسة للتربية الخاصة؟'، 'ما هو "
            "OPP؟' أو 'المدرسة ترفض طفلي، ماذا أفعل الآن؟'"
        ),
        "pl": (
            "O co chodzi w pytaniu? Można zapytać na przykład: 'Jak moje dziecko może dostać miejsce w szkole "
            "specjalnej?', 'Co to jest OPP?' albo 'Szkoła nie chce przyjąć mojego dziecka, co teraz?'"
        ),
        "uk": (
            "Про що ваше питання? Ви можете запитати, наприклад: 'Як моїй дитині отримати місце в спеціальній "
            "школі?', 'Що таке OPP?' або 'Школа відмовляє моїй дитині, що робити?'"
        ),
    },
    "crisis": {
        "tr": (
            "Şu anda tehlike var mı? Hemen 112'yi arayın.\n"
            "Çocuğunuz (ya da siz) intiharı düşünüyor mu? Arayın: 113 Zelfmoordpreventie (intiharı önleme hattı), 113 "
            "veya ücretsiz 0800-0113, gece gündüz. 113.nl üzerinden yazışarak (chat) da konuşabilirsiniz.\n"
            "Evde şiddet veya istismar mı var? Arayın: Veilig Thuis (ev içi şiddet ve çocuk istismarı için danışma ve "
            "bildirim merkezi), 0800-2000, ücretsiz, günün 24 saati.\n"
            "Çocuklar ve gençler De Kindertelefoon (çocuklar için yardım hattı) numarasını kendileri, ücretsiz ve "
            "anonim olarak arayabilir: 0800-0432.\n"
            "Yalnız değilsiniz. Lütfen bugün huisarts (aile hekimi) veya huisartsenpost (mesai dışı nöbetçi aile "
            "hekimi) ile de görüşün. Okulla ilgili sorular daha sonra konuşulabilir."
        ),
        "ar": (
            "هل يوجد خطر الآن؟ اتصلوا بالرقم 112.\n"
            "هل يفكر طفلكم (أو تفكرون أنتم) في الانتحار؟ اتصلوا بـ 113 Zelfmoordpreventie (خط منع الانتحار): 113 أو "
            "مجانًا 0800-0113، ليلًا ونهارًا. يمكنكم أيضًا الدردشة على 113.nl.\n"
            "هل الأمر يتعلق بعنف أو إساءة في البيت؟ اتصلوا بـ Veilig Thuis (مركز المشورة والإبلاغ عن العنف المنزلي "
            "وإساءة معاملة الأطفال): 0800-2000، مجانًا، 24 ساعة في اليوم.\n"
            "يمكن للأطفال والشباب أن يتصلوا بأنفسهم بـ De Kindertelefoon (خط هاتف للأطفال)، مجانًا ودون ذكر الاسم: "
            "0800-0432.\n"
            "أنتم لستم وحدكم. من فضلكم اتصلوا اليوم أيضًا بـ huisarts (طبيب العائلة) أو huisartsenpost (خدمة طبيب "
            "العائلة خارج أوقات الدوام). أسئلة المدرسة يمكن أن تنتظر."
        ),
        "pl": (
            "Czy jest teraz bezpośrednie zagrożenie? Proszę zadzwonić pod 112.\n"
            "Czy dziecko (lub rodzic) myśli o samobójstwie? Proszę zadzwonić do 113 Zelfmoordpreventie (telefon "
            "zaufania, pomoc przy myślach samobójczych): 113 lub bezpłatnie 0800-0113, w dzień i w nocy. Można też "
            "czatować na 113.nl.\n"
            "Czy chodzi o przemoc lub krzywdzenie w domu? Proszę zadzwonić do Veilig Thuis (punkt porad i zgłoszeń w "
            "sprawie przemocy domowej i krzywdzenia dzieci): 0800-2000, bezpłatnie, 24 godziny na dobę.\n"
            "Dzieci i młodzież mogą same zadzwonić do De Kindertelefoon (telefon zaufania dla dzieci), bezpłatnie i "
            "anonimowo: 0800-0432.\n"
            "Z tym nie trzeba zostawać samemu. Proszę też jeszcze dziś zadzwonić do huisarts (lekarz rodzinny) lub "
            "huisartsenpost (dyżur lekarza rodzinnego poza godzinami pracy). Pytania o szkołę mogą poczekać."
        ),
        "uk": (
            "Є небезпека просто зараз? Телефонуйте 112.\n"
            "Ваша дитина (або ви самі) думає про самогубство? Телефонуйте в 113 Zelfmoordpreventie (лінія запобігання "
            "самогубствам): 113 або безкоштовно 0800-0113, вдень і вночі. Також можна написати в чат на 113.nl.\n"
            "Йдеться про насильство або жорстоке поводження вдома? Телефонуйте у Veilig Thuis (центр порад і "
            "повідомлень про домашнє насильство та жорстоке поводження з дітьми): 0800-2000, безкоштовно, 24 години "
            "на добу.\n"
            "Діти та молодь можуть самі зателефонувати в De Kindertelefoon (телефон довіри для дітей), безкоштовно та "
            "анонімно: 0800-0432.\n"
            "Ви не самі. Будь ласка, також зателефонуйте сьогодні до huisarts (сімейний лікар) або huisartsenpost "
            "(чергова служба сімейних лікарів у неробочий час). Питання про школу можуть зачекати."
        ),
    },
    "empty": {
        "tr": (
            "Henüz bir soru göremiyorum. Lütfen passend onderwijs (özel desteğe ihtiyacı olan çocuklar için uygun "
            "eğitim) hakkındaki sorunuzu yazın."
        ),
        "ar": (
            "لا أرى سؤالًا بعد. من فضلكم اكتبوا سؤالكم عن passend onderwijs (التعليم المناسب للأطفال ذوي الاحتياجات "
            "الخاصة)."
        ),
        "pl": (
            "Nie widzę jeszcze pytania. Proszę wpisać pytanie o passend onderwijs (edukacja dla dzieci ze specjalnymi "
            "potrzebami)."
        ),
        "uk": (
            "Я ще не бачу питання. Будь ласка, напишіть ваше питання про passend onderwijs (навчання для дітей з "
            "особливими освітніми потребами)."
        ),
    },
    "too_long": {
        "tr": "Mesajınız benim için çok uzun. Sorunuzu kısaltabilir misiniz? En fazla {max} karakter.",
        "ar": "رسالتكم طويلة جدًا بالنسبة لي. هل يمكنكم أن تجعلوا سؤالكم أقصر؟ الحد الأقصى {max} حرف.",
        "pl": "Ta wiadomość jest dla mnie za długa. Proszę skrócić pytanie. Maksymalna liczba znaków: {max}.",
        "uk": "Ваше повідомлення задовге для мене. Чи можете ви скоротити питання? Максимум символів: {max}.",
    },
    "unavailable": {
        "tr": "Şu anda cevap veremiyorum. Lütfen birkaç dakika sonra tekrar deneyin.",
        "ar": "لا أستطيع الإجابة الآن. من فضلكم حاولوا مرة أخرى بعد بضع دقائق.",
        "pl": "W tej chwili nie mogę odpowiedzieć. Proszę spróbować ponownie za kilka minut.",
        "uk": "Зараз я не можу відповісти. Будь ласка, спробуйте ще раз через кілька хвилин.",
    },
    "rate_limited": {
        "tr": "Kısa sürede çok fazla mesaj gönderiyorsunuz. Lütfen bir dakika bekleyin ve sonra tekrar sorun.",
        "ar": "أنتم ترسلون رسائل كثيرة في وقت قصير. من فضلكم انتظروا دقيقة واحدة، ثم اسألوا مرة أخرى.",
        "pl": "Przyszło dużo wiadomości w krótkim czasie. Proszę odczekać minutę i zadać pytanie ponownie.",
        "uk": "Ви надсилаєте багато повідомлень за короткий час. Будь ласка, зачекайте хвилину і запитайте ще раз.",
    },
    "error": {
        "tr": "Benim tarafımda bir sorun oluştu. Lütfen tekrar deneyin.",
        "ar": "حدث خطأ من جهتي. من فضلكم حاولوا مرة أخرى.",
        "pl": "Coś poszło nie tak po mojej stronie. Proszę spróbować jeszcze raz.",
        "uk": "Щось пішло не так з мого боку. Будь ласка, спробуйте ще раз.",
    },
    "personal_data_warning": {
        "tr": (
            "İpucu: İsim, BSN (Hollanda'daki kişisel kimlik numarası) veya telefon numarası paylaşmanıza gerek yok. "
            "Bunlara ihtiyacım yok ve bunları saklamıyorum."
        ),
        "ar": (
            "نصيحة: لا حاجة لمشاركة الأسماء أو رقم BSN (رقم الهوية الشخصي في هولندا) أو أرقام الهاتف. أنا لا أحتاجها "
            "ولا أحتفظ بها."
        ),
        "pl": (
            "Wskazówka: nie trzeba podawać imion i nazwisk, numeru BSN (holenderski numer identyfikacyjny, podobny do "
            "PESEL) ani numerów telefonu. Nie są mi potrzebne i ich nie zapisuję."
        ),
        "uk": (
            "Порада: не потрібно надсилати імена, номер BSN (нідерландський особистий ідентифікаційний номер) чи "
            "номери телефонів. Мені вони не потрібні, і я їх не зберігаю."
        ),
    },
}
