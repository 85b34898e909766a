# Повідомлення Truce українською. Ті самі ключі є в en.ftl і ru.ftl;
# `cargo test -p truce-i18n` не проходить, якщо ключа бракує в одному з них
# або ключ не використовується в коді. Глосарій наведених нижче термінів
# трьома мовами поруч — docs/glossary.md.

## Словник: значення схеми записів і оцінювання за їхніми канонічними
## (мовно нейтральними) назвами.

grade-verified = підтверджено
grade-probable = ймовірно
grade-reported = повідомлено
grade-contested = оспорюється
grade-discounted = не враховується

finding-violation = порушення
finding-no_violation = порушення немає
finding-no_finding = не встановлено

kind-missile_strike = ракетний удар
kind-drone_strike = удар БпЛА
kind-air_strike = авіаудар
kind-guided_bomb = керована авіабомба
kind-artillery = обстріл зі ствольної артилерії
kind-mlrs = обстріл із РСЗВ
kind-mortar = мінометний обстріл
kind-tank_fire = танковий вогонь
kind-small_arms = вогонь зі стрілецької зброї
kind-ground_assault = наземна атака
kind-naval_attack = атака з моря
kind-mine = підрив на міні
kind-sabotage = диверсія
kind-interception = перехоплення
kind-undetermined_explosion = вибух невизначеного походження

target-residential = житло
target-commercial = комерційний об’єкт
target-industrial = промисловий об’єкт
target-agriculture = сільськогосподарський об’єкт
target-energy_generation = генерація електроенергії
target-energy_transmission = передача електроенергії
target-nuclear = ядерний об’єкт
target-hydro_dam = гребля ГЕС
target-fuel_refinery = нафтопереробний завод
target-fuel_pipeline = паливопровід
target-fuel_storage = сховище пального
target-gas = газова інфраструктура
target-water = об’єкт водопостачання
target-heating = об’єкт теплопостачання
target-telecom = телекомунікації
target-port = порт
target-vessel = судно
target-rail = залізниця
target-road = автодорога
target-airport = аеропорт
target-medical = медичний заклад
target-education = заклад освіти
target-cultural = об’єкт культури
target-religious = культова споруда
target-government = будівля органів влади
target-humanitarian = гуманітарний об’єкт
target-military = військовий об’єкт

service-electricity = електропостачання
service-water = водопостачання
service-heating = теплопостачання
service-gas = газопостачання
service-telecom = зв’язок

gap-access_denied = відмова в доступі
gap-sensor_outage = збій датчика
gap-jamming = глушіння сигналу
gap-restricted_movement = обмеження свободи пересування

role-monitor = спостерігач
role-sensor = датчик
role-party = сторона режиму припинення вогню
role-osint = дослідник відкритих джерел
role-media = ЗМІ
role-analyst = аналітик
role-operator = оператор

responsibility-assessment = оцінка аналітика
responsibility-reports = повідомлення збігаються

confidence-low = низька
confidence-medium = середня
confidence-high = висока

harm-killed = загиблі
harm-killed_civilian = з них загиблі мирні жителі
harm-injured = поранені
harm-injured_civilian = з них поранені мирні жителі

## Чому інцидент має саме такий ступінь достовірності і чому висновок
## такий, як є: `code` кожної підстави в канонічному звіті з її числами.

reason-observed_with_evidence = запис { $entry }: зафіксовано спостерігачем або датчиком, є докази
reason-credible_groups = { $groups ->
    [one] достовірні повідомлення від { $groups } незалежної групи
    [few] достовірні повідомлення від { $groups } незалежних груп
   *[many] достовірні повідомлення від { $groups } незалежних груп
    [other] достовірні повідомлення від { $groups } незалежної групи
}
reason-independent_groups = { $groups ->
    [one] повідомлення від { $groups } незалежної групи, з них надійних — { $credible }
    [few] повідомлення від { $groups } незалежних груп, з них надійних — { $credible }
   *[many] повідомлення від { $groups } незалежних груп, з них надійних — { $credible }
    [other] повідомлення від { $groups } незалежної групи, з них надійних — { $credible }
}
reason-credible_with_evidence = запис { $entry }: повідомлення надійного джерела з доказами
reason-uncorroborated = { $groups ->
    [one] повідомлення від { $groups } групи джерел, без підтвердження
    [few] повідомлення від { $groups } груп джерел, без підтвердження
   *[many] повідомлення від { $groups } груп джерел, без підтвердження
    [other] повідомлення від { $groups } групи джерел, без підтвердження
}
reason-withdrawn = повідомлення про інцидент відкликано
reason-not_affirmed = жодне чинне повідомлення не стверджує, що інцидент стався
reason-denied = запис { $denier } заперечує те, що стверджує запис { $affirmer }
reason-perpetrators = повідомлення називають різних виконавців: { $named }
reason-perpetrator = { $party } (запис { $entry })

verdict-no_prohibited_act = немає забороненої дії проти захищеного об’єкта
verdict-insufficient_corroboration = недостатньо підтверджень
verdict-coverage_gap = прогалина в спостереженні
verdict-responsibility_unknown = відповідальність не встановлено
verdict-prohibited_act = заборонена дія проти захищеного об’єкта
verdict-party_not_bound = правило не поширюється на цю сторону

## Щоденний звіт (`truce report`, /v1/reports/daily/DATE).

report-title = Щоденний звіт за { $date }
report-period = Період: з { $from } до { $to } (UTC).
report-summary = Зведення
report-this-period = поточний період
report-previous-period = попередній період
report-change = зміна
report-incidents = інциденти
report-violations = порушення
report-killed = загиблі
report-injured = поранені
report-coverage-gaps = прогалини в спостереженні
report-by-grade = Інциденти за ступенем достовірності: { $list }.
report-by-rule = Порушення за правилами: { $list }.
report-cut-off = Відключені споживачі: { $list }.
report-none = немає
report-none-reported = не повідомлялося
report-silence = { $gaps ->
    [one] Тиша не означає дотримання режиму: на цей період припадає { $gaps } прогалина в спостереженні; якщо там нічого не встановлено, це означає, що місія не мала змоги спостерігати, а не те, що нічого не сталося.
    [few] Тиша не означає дотримання режиму: на цей період припадають { $gaps } прогалини в спостереженні; якщо там нічого не встановлено, це означає, що місія не мала змоги спостерігати, а не те, що нічого не сталося.
   *[many] Тиша не означає дотримання режиму: на цей період припадає { $gaps } прогалин у спостереженні; якщо там нічого не встановлено, це означає, що місія не мала змоги спостерігати, а не те, що нічого не сталося.
    [other] Тиша не означає дотримання режиму: на цей період припадає { $gaps } прогалини в спостереженні; якщо там нічого не встановлено, це означає, що місія не мала змоги спостерігати, а не те, що нічого не сталося.
}
report-by-region = За регіонами
report-region = регіон
report-disruption = відключення
report-by-party = За сторонами
report-party = сторона
report-attributed = приписані інциденти
report-gaps-caused = спричинені нею прогалини в спостереженні
report-violations-title = Порушення
report-none-found = Не виявлено.
report-none-reported-sentence = Не повідомлялося.
report-violation = { $incident }: правило { $rule } угоди { $agreement }, сторона: { $party } (впевненість: { $confidence }, достовірність інциденту: { $grade }); записи: { $entries }.
report-unknown-party = невідома
report-confidence-unstated = не вказано
report-incidents-title = Інциденти
report-incident = інцидент
report-time = час (UTC)
report-place = місце
report-grade = достовірність
report-verdicts = висновки
report-entries = записи
report-gaps-title = Прогалини в спостереженні
report-gap = запис { $entry }: { $gap } (сторона: { $by }), з { $from } до { $to }, { $region } (у радіусі { $radius } м від { $lat }, { $lon }), джерело: { $source }.
report-region-unknown = регіон не вказано
report-provenance = Походження даних
report-provenance-text = Обчислено програмою Truce { $version } за журналом { $origin } (розмір дерева { $size }, кореневий хеш { $root }) на підставі угод із записів { $agreements }. Параметри: { $parameters }. Формулювання: каталог повідомлень { $catalogue }. Щоб перерахувати, виконайте { $command }.
report-map = Карта
report-map-label = Карта інцидентів за { $date }
report-map-gap = прогалина в спостереженні (запис { $entry }): { $gap }

## Населені пункти на картах.

country-BGR = Болгарія
country-BLR = Білорусь
country-GEO = Грузія
country-HUN = Угорщина
country-LTU = Литва
country-LVA = Латвія
country-MDA = Молдова
country-POL = Польща
country-ROU = Румунія
country-RUS = Росія
country-SVK = Словаччина
country-TUR = Туреччина
country-UKR = Україна

city-kyiv = Київ
city-kharkiv = Харків
city-odesa = Одеса
city-lviv = Львів
city-dnipro = Дніпро
city-zaporizhzhia = Запоріжжя
city-kherson = Херсон
city-donetsk = Донецьк

## Панель.

dash-title = Truce: реєстр моніторингу режиму припинення вогню
dash-skip = Перейти до основного вмісту
dash-loading-log = Завантаження журналу…
dash-views = Розділи
dash-view-map = Карта
dash-view-compliance = Дотримання
dash-view-sources = Джерела
dash-view-log = Журнал
dash-language = Мова
dash-update = Оновити сторінку
dash-log-grew = { $entries ->
    [one] У журналі { $entries } новий запис.
    [few] У журналі { $entries } нові записи.
   *[many] У журналі { $entries } нових записів.
    [other] У журналі { $entries } нового запису.
}
dash-cannot-load = Не вдалося завантажити журнал: { $error }
dash-log-line = { $origin } · { $entries ->
    [one] { $entries } запис
    [few] { $entries } записи
   *[many] { $entries } записів
    [other] { $entries } запису
} · { $incidents ->
    [one] { $incidents } інцидент
    [few] { $incidents } інциденти
   *[many] { $incidents } інцидентів
    [other] { $incidents } інциденту
} · корінь контрольної точки { $root }

dash-incidents-map = Карта інцидентів
dash-filters = Фільтри
dash-filter-party = Сторона
dash-filter-grade = Достовірність
dash-filter-rule = Порушене правило
dash-filter-kind = Вид
dash-filter-target = Об’єкт
dash-filter-source = Джерело
dash-filter-from = Від
dash-filter-to = До
dash-any = Усі
dash-clear-filters = Скинути фільтри
dash-export = Експорт:
dash-legend = Умовні позначення
dash-grades = Ступені достовірності
dash-zone = зона дії угоди
dash-gap = прогалина в спостереженні
dash-map-label = Карта інцидентів; ті самі інциденти наведено в списку нижче
dash-zoom-in = Наблизити
dash-zoom-out = Віддалити
dash-zoom-reset = Показати всю Україну
dash-timeline-caption = Інциденти за днями та ступенем достовірності; протягніть по графіку, щоб відфільтрувати за часом, натисніть на нього, щоб скинути фільтр.
dash-timeline-label = Інциденти за днями та ступенем достовірності
dash-party-caption = Порушення за сторонами та днями
dash-timeline-peak = { $count ->
    [one] максимум { $count } інцидент на добу
    [few] максимум { $count } інциденти на добу
   *[many] максимум { $count } інцидентів на добу
    [other] максимум { $count } інциденту на добу
}
dash-party-violations = порушення { $party }
dash-count = { $all ->
    [one] { $shown } з { $all } інциденту
    [few] { $shown } з { $all } інцидентів
   *[many] { $shown } з { $all } інцидентів
    [other] { $shown } з { $all } інциденту
}
dash-count-all = { $all ->
    [one] { $all } інцидент
    [few] { $all } інциденти
   *[many] { $all } інцидентів
    [other] { $all } інциденту
}
dash-list-more = Показано останні { $rows } з { $all }; щоб побачити всі, звузьте фільтри або експортуйте дані.
dash-col-time = Час
dash-col-place = Місце
dash-col-kind = Вид
dash-col-grade = Достовірність
dash-col-party = Сторона
dash-col-violations = Порушення
dash-list-title = Інциденти

dash-back = ← Назад до карти
dash-incident = Інцидент
dash-loading = Завантаження…
dash-no-incident = Інцидент { $id } недоступний: { $error }
dash-grade = Достовірність
dash-before-corroboration = Без урахування розбіжностей: { $grade }
dash-what-where = Що й де
dash-time-range = з { $from } до { $to }
dash-place = { $place } (±{ $metres } м)
dash-targets = Об’єкти ураження: { $list }
dash-harm = Жертви: { $list }
dash-harm-none = не повідомлялося
dash-disruption = Відключення: { $list }
dash-responsibility = Відповідальність: { $party } ({ $basis }, впевненість: { $confidence })
dash-confidence-unrated = без оцінки
dash-responsibility-none = Відповідальність: не встановлено
dash-gaps-overlap = Накладаються прогалини в спостереженні: записи { $entries }
dash-verdicts = Висновки
dash-col-agreement = Угода
dash-col-rule = Правило
dash-col-finding = Результат
dash-col-reason = Обґрунтування
dash-col-cites = Посилання
dash-entry = запис { $index }
dash-reports = Повідомлення
dash-col-entry = Запис
dash-col-source = Джерело
dash-col-summary = Короткий зміст
dash-col-evidence = Докази
dash-superseded = { $index } (замінено записом { $by })
dash-source-detail = { $name } ({ $role }, { $organisation }, надійність: { $reliability })
dash-withdrawn = відкликано
dash-verify = { $entries ->
    [one] Перевірити { $entries } вихідний запис
    [few] Перевірити { $entries } вихідні записи
   *[many] Перевірити { $entries } вихідних записів
    [other] Перевірити { $entries } вихідного запису
}
dash-verify-policy = { $entries ->
    [one] Перевірити { $entries } вихідний запис (з урахуванням вашої політики свідків)
    [few] Перевірити { $entries } вихідні записи (з урахуванням вашої політики свідків)
   *[many] Перевірити { $entries } вихідних записів (з урахуванням вашої політики свідків)
    [other] Перевірити { $entries } вихідного запису (з урахуванням вашої політики свідків)
}
dash-checking = { $entries ->
    [one] Перевіряємо { $entries } запис у цьому браузері…
    [few] Перевіряємо { $entries } записи в цьому браузері…
   *[many] Перевіряємо { $entries } записів у цьому браузері…
    [other] Перевіряємо { $entries } запису в цьому браузері…
}
dash-verified-all = { $entries ->
    [one] Перевірено: { $entries } запис підписано, внесено до журналу й охоплено його підписаною контрольною точкою.
    [few] Перевірено: усі { $entries } записи підписано, внесено до журналу й охоплено його підписаною контрольною точкою.
   *[many] Перевірено: усі { $entries } записів підписано, внесено до журналу й охоплено його підписаною контрольною точкою.
    [other] Перевірено: { $entries } запису підписано, внесено до журналу й охоплено його підписаною контрольною точкою.
}
dash-verify-failed = Перевірку НЕ ПРОЙДЕНО: не довіряйте даним про цей інцидент у тому вигляді, в якому їх надав сервер.
dash-entry-outcome = Запис { $index }: { $ok ->
    [yes] перевірено
   *[no] НЕ ПРОЙДЕНО
}

check-entry-signature = підпис запису
check-leaf-hash = хеш листка
check-proof-index = доказ стосується цього запису
check-checkpoint-signature = підпис контрольної точки
check-inclusion-proof = доказ включення
check-witness-policy = політика свідків
check-cosignature = підпис свідка { $witness }
check-signature = підпис { $key }
check-verification = перевірка
detail-no-source = підписано: { $names }; зареєстрованого джерела немає
detail-signed-by = підпис Ed25519, ключ { $key }
detail-checkpoint = { $origin }, розмір { $size }, підписано: { $keys }
detail-no-policy-key = жодним ключем із політики
detail-hashes = { $hashes ->
    [one] { $hashes } хеш веде до кореня { $root }
    [few] { $hashes } хеші ведуть до кореня { $root }
   *[many] { $hashes } хешів ведуть до кореня { $root }
    [other] { $hashes } хешу веде до кореня { $root }
}
detail-cosigned = підписи свідків: { $names }; кворум: { $quorum }
detail-no-witness = немає
detail-no-quorum = не задано
detail-invalid-cosignature = недійсний підпис свідка: { $names }
detail-cosigned-at = tlog-cosignature/v1 від { $time }
detail-unknown-key = не підписано жодним ключем, відомим цьому журналу
dash-or = { $a } або { $b }

dash-compliance = Дотримання угод
dash-violations-table = Порушення за сторонами та правилами
dash-in-force = Запис { $index }; діє з { $from }
dash-in-force-until = Запис { $index }; діє з { $from } до { $to }
dash-per-day = Порушення за днями, з { $from } по { $to }, за сторонами:
dash-daily-reports = Щоденні звіти

dash-sources = Джерела
dash-col-name = Назва
dash-col-role = Роль
dash-col-organisation = Організація
dash-col-reliability = Надійність
dash-col-status = Статус
dash-active = активне
dash-revoked = відкликане

dash-log = Журнал
dash-log-summary = Ідентифікатор журналу: { $origin }; { $entries ->
    [one] { $entries } запис
    [few] { $entries } записи
   *[many] { $entries } записів
    [other] { $entries } запису
}; кореневий хеш { $root }
dash-log-key = Ключ журналу:
dash-witnessed-checkpoint = Остання засвідчена контрольна точка
dash-checkpoint = Остання контрольна точка
dash-witnesses = Свідки
dash-no-cosignature = підпису свідка на цій контрольній точці немає
dash-cosignature-ok = підпис свідка перевірено
dash-cosignature-bad = НЕДІЙСНИЙ підпис свідка
dash-no-witnesses = Для цього журналу не налаштовано жодного свідка.
dash-policy = Ваша політика свідків
dash-policy-help = Політика у форматі C2SP tlog-policy (рядки log, witness, group і quorum). Зберігається в цьому браузері; якщо її задано, кнопка «Перевірити» приймає контрольну точку, лише якщо її підписав зазначений у політиці журнал і засвідчив кворум свідків цієї політики.
dash-policy-in-force = Під час перевірки діє політика свідків.
dash-policy-none = Політику свідків не задано: перевірка покладається лише на ключ журналу.
dash-policy-use = Застосувати цю політику
dash-policy-saved = Збережено: тепер перевірка вимагає кворуму цієї політики.
dash-policy-cleared = Політику видалено: перевірка покладається лише на ключ журналу.
dash-verify-paste = Перевірити запис, контрольну точку або доказ включення
dash-paste-label = Вставте підписаний запис, підписану контрольну точку або c2sp.org/tlog-proof@v1
dash-verify-button = Перевірити
dash-verified = Перевірено
dash-failed = НЕ ПРОЙДЕНО
dash-cannot-verify = Не вдалося перевірити: { $error }

dash-restricted-title = Доступ до цього журналу обмежено
dash-restricted-help = Його оператор видає токени доступу: для читання або ще й для точних координат і перевірки записів у цьому браузері. Токен зберігається лише в цій вкладці й зникає, щойно ви її закриєте.
dash-token = Токен доступу
dash-sign-in = Увійти
dash-sign-out = Вийти
dash-cancel = Скасувати
dash-token-refused = Сервер відхилив цей токен: він невідомий або вже недійсний.
dash-token-no-read = Цей токен не дає доступу до читання журналу.
dash-coarsened = Координати показано з точністю до { $km } км.
dash-verify-restricted = Для перевірки потрібен токен із точним доступом (precise): підписані байти записів цей сервер видає лише з таким токеном.

## Файли доказів: що журнал каже про файли, на які посилаються
## повідомлення, і перевірка файлу за його доказом (`truce evidence prove`).

dash-evidence-title = Файли доказів
dash-evidence-cited = { $media }, { $bytes ->
    [one] { $bytes } байт
    [few] { $bytes } байти
   *[many] { $bytes } байтів
    [other] { $bytes } байта
}; { $count ->
    [one] згадано в записі
   *[other] згадано в записах
} { $reports }
dash-evidence-looking = Шукаємо файл у журналі…
dash-evidence-unlogged = У журналі немає запису доказу для цього файлу: його описує лише саме повідомлення.
dash-evidence-restricted = Щоб прочитати запис доказу, потрібен токен із точним доступом (precise).
dash-evidence-error = Не вдалося знайти файл: { $error }
dash-evidence-more = { $entries ->
    [one] Цей файл називає { $entries } запис доказу; показано перші п’ять.
    [few] Цей файл називають { $entries } записи доказів; показано перші п’ять.
   *[many] Цей файл називають { $entries } записів доказів; показано перші п’ять.
    [other] Цей файл називають { $entries } запису доказів; показано перші п’ять.
}
dash-evidence-entry = Запис доказу { $index }, підписав { $source }
dash-custodian = Зберігач: { $custodian }
dash-credentials-absent = Облікових даних вмісту немає: файл не містить маніфесту C2PA, тож ніщо в ньому не каже, хто його створив і як редагував.
dash-credentials-valid = Облікові дані вмісту дійсні: підписав { $signer }, але його сертифіката немає в жодному списку довіри сервера, що їх прочитав.
dash-credentials-trusted = Облікові дані вмісту довірені: підписав { $signer }, чий сертифікат веде до довіреного видавця.
dash-credentials-invalid = Облікові дані вмісту НЕДІЙСНІ: маніфест не пройшов перевірку ({ $codes }).
dash-credentials-issuer = Сертифікат видав: { $issuer }
dash-credentials-bytes-match = Хеш у маніфесті збігається з байтами файлу.
dash-credentials-bytes-differ = Байти файлу НЕ збігаються з хешем у маніфесті: файл змінено після підписання.
dash-credentials-actions = Записані дії: { $actions }
dash-derived = Копія оригіналу { $original } ({ $logged }): { $method }.
dash-derived-metadata_removed = вилучено метадані про місце й пристрій, вміст не змінено
dash-derived-redacted = частини розмито або вирізано
dash-derived-transcoded = перетворено в інший формат або розмір
dash-original-logged = внесено до журналу записом { $index }
dash-original-unlogged = оригіналу в журналі немає
dash-captured = За даними пристрою, знято { $time }.
dash-captured-place = За даними пристрою, знято в точці { $lat }, { $lon } (±{ $metres } м).
dash-evidence-stored = Цей сервер зберігає файл, звірений із його хешем:
dash-evidence-download = завантажити
dash-evidence-not-stored = Байтів цього файлу на сервері немає.

dash-view-file = Перевірити файл
dash-file-title = Перевірити файл доказів
dash-file-help = Перетягніть сюди файл і його доказ (файл .tlog-proof), разом або по черзі. Обидва залишаються в цьому браузері: нічого не надсилається.
dash-drop-here = Перетягніть сюди файл і його доказ або
dash-choose-files = виберіть файли
dash-slot-file = Файл:
dash-slot-proof = Доказ:
dash-none-yet = ще немає
dash-file-hashing = Обчислюємо SHA-256 файлу в цьому браузері…
dash-file-verified = Перевірено: цей файл був у журналі не пізніше { $utc } ({ $local } за вашим часом), що засвідчує підпис свідка { $witness }. Його запис доказу — запис { $index }.
dash-file-unwitnessed = Запис доказу цього файлу є в журналі (запис { $index }) під контрольною точкою, підписаною ключем журналу, але жоден свідок її не підписав: коли файл внесено до журналу, каже лише сам журнал.
dash-file-failed = НЕ перевірено: перевірка «{ $check }» не пройшла ({ $detail }).
check-proof-format = формат доказу
check-evidence-entry = запис доказу в доказі включення
check-file-hash = SHA-256 файлу
check-file-size = розмір файлу
detail-no-extra = доказ не містить запису (немає рядка extra): це не доказ для файлу
detail-not-evidence = запис має тип { $type }, а не truce.evidence/v1
detail-file-hash-mismatch = не той файл: його SHA-256 — { $file }, а запис називає { $entry }
detail-file-size = розмір файлу { $file } Б, запис називає { $entry } Б

## Польова сторінка (/field): телефон спостерігача підписує повідомлення
## й надсилає їх, коли може.

dash-field-title = Truce: польові повідомлення
dash-field-heading = Польові повідомлення
dash-field-connection-online = У мережі
dash-field-connection-offline = Без мережі
dash-field-setup = Налаштувати цей пристрій
dash-field-setup-help = Цей пристрій створює власний ключ підпису. Закритий ключ ніколи не залишає цей браузер, і скопіювати його звідси неможливо.
dash-field-key-name = Назва ключа
dash-field-create-key = Створити ключ
dash-field-bad-name = Назва ключа не може бути порожньою й не може містити пробілів і знака «+».
dash-field-no-ed25519 = Цей браузер не вміє створювати ключі Ed25519 ({ $error }): скористайтеся актуальною версією Chrome, Firefox або Safari.
dash-field-identity = Ключ цього пристрою
dash-field-vkey-help = Передайте цей ключ операторові журналу, щоб він зареєстрував його як джерело. Доти журнал відхилятиме те, що підписує цей пристрій; нічого не втрачається, і все можна надіслати знову.
dash-field-copy = Копіювати
dash-field-copied = Скопійовано.
dash-field-copy-failed = Не вдалося скопіювати: ключ виділено, скопіюйте його вручну.
dash-field-log-pinned = Журнал { $origin }, ключ { $key }: закріплено на цьому пристрої під час першого з’єднання; кожен доказ перевіряється ним.
dash-field-log-unpinned = Ключ журналу ще не закріплено: це станеться під час першого з’єднання.
dash-field-new-report = Нове повідомлення
dash-field-time = Коли (залиште порожнім, якщо зараз)
dash-field-place = Де
dash-field-locate = Визначити моє місце
dash-field-locating = Визначаємо місце…
dash-field-located = Місце визначено з точністю до { $metres } м.
dash-field-no-location = { $why ->
    [denied] Доступ до місцезнаходження заборонено: введіть координати.
    [timeout] Місце не визначено вчасно: введіть координати.
   *[other] Місцезнаходження недоступне: введіть координати.
}
dash-field-lat = Широта
dash-field-lon = Довгота
dash-field-uncertainty = Точність (метрів)
dash-field-place-name = Назва місця (необов’язково)
dash-field-event = Що сталося
dash-field-basis = Звідки відомо
dash-field-confidence = Впевненість
dash-basis-direct = бачили або чули самі
dash-basis-sensor = зафіксовано нашим приладом
dash-basis-imagery = з фото, відео або супутникових знімків
dash-basis-secondhand = від очевидців або місцевої влади
dash-basis-official = з офіційної заяви
dash-basis-media = з новин або соцмереж
dash-field-summary = Що ви бачили або чули
dash-field-sign = Підписати й зберегти
dash-field-signed = Підписано й збережено на цьому пристрої: { $id }.
dash-field-sign-error = Не вдалося підписати: { $error }
dash-field-outbox = Вихідні
dash-field-outbox-empty = Ще нічого не підписано.
dash-field-sync = Синхронізувати зараз
dash-field-syncing = Надсилаємо…
dash-field-synced = Остання синхронізація: { $time }.
dash-field-offline = Немає мережі: підписане залишається на цьому пристрої й буде надіслане, коли з’єднання відновиться.
dash-field-sync-error = Синхронізацію зупинено: { $error }
dash-field-unreachable = Сервер недоступний; вихідні збережено й буде надіслано пізніше.
dash-field-server-busy = Сервер зараз не може прийняти (HTTP { $status }); спробуємо пізніше.
dash-field-key-changed = Ключ журналу на сервері { $key } не збігається з ключем, закріпленим на цьому пристрої ({ $pinned }), і жодна ротація, підписана закріпленим ключем, до нього не веде. Нічого не надіслано: зверніться до оператора журналу.
dash-field-signed-at = Підписано { $time }
dash-field-waiting = чекає на надсилання
dash-field-sent = надіслано: запис { $index }; доказ ще не перевірено
dash-field-verified = перевірено: запис { $index } включено до підписаної контрольної точки журналу розміром { $size }
dash-field-state-refused = журнал відхилив
dash-field-refused = Відповідь журналу: { $detail }
dash-field-retry = Надіслати знову
dash-field-proof-failed = Доказ включення НЕ пройшов перевірку: { $why }. Його буде перевірено знову під час наступної синхронізації.
dash-field-proof-index = доказ стосується запису { $index }
dash-field-proof-unsigned = його контрольну точку не підписано закріпленим ключем журналу { $key }
dash-field-proof-root = його хеші не ведуть до кореня контрольної точки розміром { $size }
dash-field-proof-malformed = його неможливо прочитати ({ $error })
dash-field-show-note = Підписаний запис
