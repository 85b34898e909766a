# Сообщения Truce на русском языке. Те же ключи есть в en.ftl и uk.ftl;
# `cargo test -p truce-i18n` не проходит, если ключа нет в одном из них
# или ключ не используется в коде. Глоссарий приведённых ниже терминов
# на трёх языках рядом — docs/glossary.md.

## Словарь: значения схемы записей и оценки по их каноническим
## (независимым от языка) названиям.

grade-verified = подтверждено
grade-probable = вероятно
grade-reported = сообщено
grade-contested = оспаривается
grade-discounted = не учитывается

finding-violation = нарушение
finding-no_violation = нарушения нет
finding-no_finding = не установлено

kind-missile_strike = ракетный удар
kind-drone_strike = удар БПЛА
kind-air_strike = авиаудар
kind-guided_bomb = управляемая авиабомба
kind-artillery = обстрел из ствольной артиллерии
kind-mlrs = обстрел из РСЗО
kind-mortar = миномётный обстрел
kind-tank_fire = танковый огонь
kind-small_arms = огонь из стрелкового оружия
kind-ground_assault = наземная атака
kind-naval_attack = атака с моря
kind-mine = подрыв на мине
kind-sabotage = диверсия
kind-interception = перехват
kind-undetermined_explosion = взрыв неопределённого происхождения

target-residential = жильё
target-commercial = коммерческий объект
target-industrial = промышленный объект
target-agriculture = сельскохозяйственный объект
target-energy_generation = генерация электроэнергии
target-energy_transmission = передача электроэнергии
target-nuclear = ядерный объект
target-hydro_dam = плотина ГЭС
target-fuel_refinery = нефтеперерабатывающий завод
target-fuel_pipeline = топливопровод
target-fuel_storage = хранилище топлива
target-gas = газовая инфраструктура
target-water = объект водоснабжения
target-heating = объект теплоснабжения
target-telecom = телекоммуникации
target-port = порт
target-vessel = судно
target-rail = железная дорога
target-road = автодорога
target-airport = аэропорт
target-medical = медицинское учреждение
target-education = учебное заведение
target-cultural = объект культуры
target-religious = культовое сооружение
target-government = здание органов власти
target-humanitarian = гуманитарный объект
target-military = военный объект

service-electricity = электроснабжение
service-water = водоснабжение
service-heating = теплоснабжение
service-gas = газоснабжение
service-telecom = связь

gap-access_denied = отказ в доступе
gap-sensor_outage = сбой датчика
gap-jamming = глушение сигнала
gap-restricted_movement = ограничение свободы передвижения

role-monitor = наблюдатель
role-sensor = датчик
role-party = сторона режима прекращения огня
role-osint = исследователь открытых источников
role-media = СМИ
role-analyst = аналитик
role-operator = оператор

responsibility-assessment = оценка аналитика
responsibility-reports = сообщения совпадают

confidence-low = низкая
confidence-medium = средняя
confidence-high = высокая

harm-killed = погибшие
harm-killed_civilian = из них погибшие мирные жители
harm-injured = раненые
harm-injured_civilian = из них раненые мирные жители

## Почему у инцидента такая степень достоверности и почему заключение
## именно такое: `code` каждого основания в каноническом отчёте с его числами.

reason-observed_with_evidence = запись { $entry }: зафиксировано наблюдателем или датчиком, есть доказательства
reason-credible_groups = { $groups ->
    [one] достоверные сообщения от { $groups } независимой группы
    [few] достоверные сообщения от { $groups } независимых групп
   *[many] достоверные сообщения от { $groups } независимых групп
    [other] достоверные сообщения от { $groups } независимой группы
}
reason-independent_groups = { $groups ->
    [one] сообщения от { $groups } независимой группы, из них надёжных — { $credible }
    [few] сообщения от { $groups } независимых групп, из них надёжных — { $credible }
   *[many] сообщения от { $groups } независимых групп, из них надёжных — { $credible }
    [other] сообщения от { $groups } независимой группы, из них надёжных — { $credible }
}
reason-credible_with_evidence = запись { $entry }: сообщение надёжного источника с доказательствами
reason-uncorroborated = { $groups ->
    [one] сообщения от { $groups } группы источников, без подтверждения
    [few] сообщения от { $groups } групп источников, без подтверждения
   *[many] сообщения от { $groups } групп источников, без подтверждения
    [other] сообщения от { $groups } группы источников, без подтверждения
}
reason-withdrawn = сообщения об инциденте отозваны
reason-not_affirmed = ни одно действующее сообщение не утверждает, что инцидент имел место
reason-denied = запись { $denier } отрицает то, что утверждает запись { $affirmer }
reason-perpetrators = сообщения называют разных исполнителей: { $named }
reason-perpetrator = { $party } (запись { $entry })

verdict-no_prohibited_act = нет запрещённого действия против охраняемого объекта
verdict-insufficient_corroboration = недостаточно подтверждений
verdict-coverage_gap = пробел в наблюдении
verdict-responsibility_unknown = ответственность не установлена
verdict-prohibited_act = запрещённое действие против охраняемого объекта
verdict-party_not_bound = правило не распространяется на эту сторону

## Ежедневный отчёт (`truce report`, /v1/reports/daily/DATE).

report-title = Ежедневный отчёт за { $date }
report-period = Период: с { $from } до { $to } (UTC).
report-summary = Сводка
report-this-period = текущий период
report-previous-period = предыдущий период
report-change = изменение
report-incidents = инциденты
report-violations = нарушения
report-killed = погибшие
report-injured = раненые
report-coverage-gaps = пробелы в наблюдении
report-by-grade = Инциденты по степени достоверности: { $list }.
report-by-rule = Нарушения по правилам: { $list }.
report-cut-off = Отключённые потребители: { $list }.
report-none = нет
report-none-reported = не сообщалось
report-silence = { $gaps ->
    [one] Тишина не означает соблюдения режима: на этот период приходится { $gaps } пробел в наблюдении; если там ничего не установлено, это значит, что миссия не могла вести наблюдение, а не то, что ничего не произошло.
    [few] Тишина не означает соблюдения режима: на этот период приходится { $gaps } пробела в наблюдении; если там ничего не установлено, это значит, что миссия не могла вести наблюдение, а не то, что ничего не произошло.
   *[many] Тишина не означает соблюдения режима: на этот период приходится { $gaps } пробелов в наблюдении; если там ничего не установлено, это значит, что миссия не могла вести наблюдение, а не то, что ничего не произошло.
    [other] Тишина не означает соблюдения режима: на этот период приходится { $gaps } пробела в наблюдении; если там ничего не установлено, это значит, что миссия не могла вести наблюдение, а не то, что ничего не произошло.
}
report-by-region = По регионам
report-region = регион
report-disruption = отключения
report-by-party = По сторонам
report-party = сторона
report-attributed = приписанные инциденты
report-gaps-caused = вызванные ею пробелы в наблюдении
report-violations-title = Нарушения
report-none-found = Не выявлено.
report-none-reported-sentence = Не сообщалось.
report-violation = { $incident }: правило { $rule } соглашения { $agreement }, сторона: { $party } (уверенность: { $confidence }, достоверность инцидента: { $grade }); записи: { $entries }.
report-unknown-party = неизвестна
report-confidence-unstated = не указана
report-incidents-title = Инциденты
report-incident = инцидент
report-time = время (UTC)
report-place = место
report-grade = достоверность
report-verdicts = заключения
report-entries = записи
report-gaps-title = Пробелы в наблюдении
report-gap = запись { $entry }: { $gap } (сторона: { $by }), с { $from } до { $to }, { $region } (в радиусе { $radius } м от { $lat }, { $lon }), источник: { $source }.
report-region-unknown = регион не указан
report-provenance = Происхождение данных
report-provenance-text = Вычислено программой Truce { $version } по журналу { $origin } (размер дерева { $size }, корневой хеш { $root }) на основании соглашений из записей { $agreements }. Параметры: { $parameters }. Формулировки: каталог сообщений { $catalogue }. Чтобы пересчитать, выполните { $command }.
report-map = Карта
report-map-label = Карта инцидентов за { $date }
report-map-gap = пробел в наблюдении (запись { $entry }): { $gap }

## Населённые пункты на картах.

country-BGR = Болгария
country-BLR = Беларусь
country-GEO = Грузия
country-HUN = Венгрия
country-LTU = Литва
country-LVA = Латвия
country-MDA = Молдова
country-POL = Польша
country-ROU = Румыния
country-RUS = Россия
country-SVK = Словакия
country-TUR = Турция
country-UKR = Украина

city-kyiv = Киев
city-kharkiv = Харьков
city-odesa = Одесса
city-lviv = Львов
city-dnipro = Днепр
city-zaporizhzhia = Запорожье
city-kherson = Херсон
city-donetsk = Донецк

## Панель.

dash-title = Truce: реестр мониторинга режима прекращения огня
dash-skip = Перейти к основному содержимому
dash-loading-log = Загрузка журнала…
dash-views = Разделы
dash-view-map = Карта
dash-view-compliance = Соблюдение
dash-view-sources = Источники
dash-view-log = Журнал
dash-language = Язык
dash-update = Обновить страницу
dash-log-grew = { $entries ->
    [one] В журнале { $entries } новая запись.
    [few] В журнале { $entries } новые записи.
   *[many] В журнале { $entries } новых записей.
    [other] В журнале { $entries } новой записи.
}
dash-cannot-load = Не удалось загрузить журнал: { $error }
dash-log-line = { $origin } · { $entries ->
    [one] { $entries } запись
    [few] { $entries } записи
   *[many] { $entries } записей
    [other] { $entries } записи
} · { $incidents ->
    [one] { $incidents } инцидент
    [few] { $incidents } инцидента
   *[many] { $incidents } инцидентов
    [other] { $incidents } инцидента
} · корень контрольной точки { $root }

dash-incidents-map = Карта инцидентов
dash-filters = Фильтры
dash-filter-party = Сторона
dash-filter-grade = Достоверность
dash-filter-rule = Нарушенное правило
dash-filter-kind = Вид
dash-filter-target = Объект
dash-filter-source = Источник
dash-filter-from = С
dash-filter-to = По
dash-any = Все
dash-clear-filters = Сбросить фильтры
dash-export = Экспорт:
dash-legend = Условные обозначения
dash-grades = Степени достоверности
dash-zone = зона действия соглашения
dash-gap = пробел в наблюдении
dash-map-label = Карта инцидентов; те же инциденты приведены в списке ниже
dash-zoom-in = Приблизить
dash-zoom-out = Отдалить
dash-zoom-reset = Показать всю Украину
dash-timeline-caption = Инциденты по дням и степени достоверности; протяните по графику, чтобы отфильтровать по времени, нажмите на него, чтобы сбросить фильтр.
dash-timeline-label = Инциденты по дням и степени достоверности
dash-party-caption = Нарушения по сторонам и дням
dash-timeline-peak = { $count ->
    [one] максимум { $count } инцидент в сутки
    [few] максимум { $count } инцидента в сутки
   *[many] максимум { $count } инцидентов в сутки
    [other] максимум { $count } инцидента в сутки
}
dash-party-violations = нарушения { $party }
dash-count = { $all ->
    [one] { $shown } из { $all } инцидента
    [few] { $shown } из { $all } инцидентов
   *[many] { $shown } из { $all } инцидентов
    [other] { $shown } из { $all } инцидента
}
dash-count-all = { $all ->
    [one] { $all } инцидент
    [few] { $all } инцидента
   *[many] { $all } инцидентов
    [other] { $all } инцидента
}
dash-list-more = Показаны последние { $rows } из { $all }; чтобы увидеть все, сузьте фильтры или экспортируйте данные.
dash-col-time = Время
dash-col-place = Место
dash-col-kind = Вид
dash-col-grade = Достоверность
dash-col-party = Сторона
dash-col-violations = Нарушения
dash-list-title = Инциденты

dash-back = ← Назад к карте
dash-incident = Инцидент
dash-loading = Загрузка…
dash-no-incident = Инцидент { $id } недоступен: { $error }
dash-grade = Достоверность
dash-before-corroboration = Без учёта разногласий: { $grade }
dash-what-where = Что и где
dash-time-range = с { $from } до { $to }
dash-place = { $place } (±{ $metres } м)
dash-targets = Объекты поражения: { $list }
dash-harm = Жертвы: { $list }
dash-harm-none = не сообщалось
dash-disruption = Отключения: { $list }
dash-responsibility = Ответственность: { $party } ({ $basis }, уверенность: { $confidence })
dash-confidence-unrated = без оценки
dash-responsibility-none = Ответственность: не установлена
dash-gaps-overlap = Пересекающиеся пробелы в наблюдении: записи { $entries }
dash-verdicts = Заключения
dash-col-agreement = Соглашение
dash-col-rule = Правило
dash-col-finding = Итог
dash-col-reason = Обоснование
dash-col-cites = Ссылки
dash-entry = запись { $index }
dash-reports = Сообщения
dash-col-entry = Запись
dash-col-source = Источник
dash-col-summary = Краткое содержание
dash-col-evidence = Доказательства
dash-superseded = { $index } (заменена записью { $by })
dash-source-detail = { $name } ({ $role }, { $organisation }, надёжность: { $reliability })
dash-withdrawn = отозвано
dash-verify = { $entries ->
    [one] Проверить { $entries } исходную запись
    [few] Проверить { $entries } исходные записи
   *[many] Проверить { $entries } исходных записей
    [other] Проверить { $entries } исходной записи
}
dash-verify-policy = { $entries ->
    [one] Проверить { $entries } исходную запись (с учётом вашей политики свидетелей)
    [few] Проверить { $entries } исходные записи (с учётом вашей политики свидетелей)
   *[many] Проверить { $entries } исходных записей (с учётом вашей политики свидетелей)
    [other] Проверить { $entries } исходной записи (с учётом вашей политики свидетелей)
}
dash-checking = { $entries ->
    [one] Проверяем { $entries } запись в этом браузере…
    [few] Проверяем { $entries } записи в этом браузере…
   *[many] Проверяем { $entries } записей в этом браузере…
    [other] Проверяем { $entries } записи в этом браузере…
}
dash-verified-all = { $entries ->
    [one] Проверено: { $entries } запись подписана, внесена в журнал и охвачена его подписанной контрольной точкой.
    [few] Проверено: все { $entries } записи подписаны, внесены в журнал и охвачены его подписанной контрольной точкой.
   *[many] Проверено: все { $entries } записей подписаны, внесены в журнал и охвачены его подписанной контрольной точкой.
    [other] Проверено: { $entries } записи подписаны, внесены в журнал и охвачены его подписанной контрольной точкой.
}
dash-verify-failed = Проверка НЕ ПРОЙДЕНА: не доверяйте данным об этом инциденте в том виде, в каком их выдал сервер.
dash-entry-outcome = Запись { $index }: { $ok ->
    [yes] проверена
   *[no] НЕ ПРОЙДЕНА
}

check-entry-signature = подпись записи
check-leaf-hash = хеш листа
check-proof-index = доказательство относится к этой записи
check-checkpoint-signature = подпись контрольной точки
check-inclusion-proof = доказательство включения
check-witness-policy = политика свидетелей
check-cosignature = подпись свидетеля { $witness }
check-signature = подпись { $key }
check-verification = проверка
detail-no-source = подписано: { $names }; зарегистрированного источника нет
detail-signed-by = подпись Ed25519, ключ { $key }
detail-checkpoint = { $origin }, размер { $size }, подписано: { $keys }
detail-no-policy-key = ни одним ключом из политики
detail-hashes = { $hashes ->
    [one] { $hashes } хеш ведёт к корню { $root }
    [few] { $hashes } хеша ведут к корню { $root }
   *[many] { $hashes } хешей ведут к корню { $root }
    [other] { $hashes } хеша ведут к корню { $root }
}
detail-cosigned = подписи свидетелей: { $names }; кворум: { $quorum }
detail-no-witness = нет
detail-no-quorum = не задан
detail-invalid-cosignature = недействительная подпись свидетеля: { $names }
detail-cosigned-at = tlog-cosignature/v1 от { $time }
detail-unknown-key = не подписано ни одним ключом, известным этому журналу
dash-or = { $a } или { $b }

dash-compliance = Соблюдение соглашений
dash-violations-table = Нарушения по сторонам и правилам
dash-in-force = Запись { $index }; действует с { $from }
dash-in-force-until = Запись { $index }; действует с { $from } до { $to }
dash-per-day = Нарушения по дням, с { $from } по { $to }, по сторонам:
dash-daily-reports = Ежедневные отчёты

dash-sources = Источники
dash-col-name = Название
dash-col-role = Роль
dash-col-organisation = Организация
dash-col-reliability = Надёжность
dash-col-status = Статус
dash-active = активен
dash-revoked = отозван

dash-log = Журнал
dash-log-summary = Идентификатор журнала: { $origin }; { $entries ->
    [one] { $entries } запись
    [few] { $entries } записи
   *[many] { $entries } записей
    [other] { $entries } записи
}; корневой хеш { $root }
dash-log-key = Ключ журнала:
dash-witnessed-checkpoint = Последняя заверенная контрольная точка
dash-checkpoint = Последняя контрольная точка
dash-witnesses = Свидетели
dash-no-cosignature = подписи свидетеля на этой контрольной точке нет
dash-cosignature-ok = подпись свидетеля проверена
dash-cosignature-bad = НЕДЕЙСТВИТЕЛЬНАЯ подпись свидетеля
dash-no-witnesses = Для этого журнала не настроено ни одного свидетеля.
dash-policy = Ваша политика свидетелей
dash-policy-help = Политика в формате C2SP tlog-policy (строки log, witness, group и quorum). Хранится в этом браузере; если она задана, кнопка «Проверить» принимает контрольную точку, только если её подписал указанный в политике журнал и заверил кворум свидетелей этой политики.
dash-policy-in-force = При проверке действует политика свидетелей.
dash-policy-none = Политика свидетелей не задана: проверка полагается только на ключ журнала.
dash-policy-use = Применить эту политику
dash-policy-saved = Сохранено: теперь проверка требует кворума этой политики.
dash-policy-cleared = Политика удалена: проверка полагается только на ключ журнала.
dash-verify-paste = Проверить запись, контрольную точку или доказательство включения
dash-paste-label = Вставьте подписанную запись, подписанную контрольную точку или c2sp.org/tlog-proof@v1
dash-verify-button = Проверить
dash-verified = Проверено
dash-failed = НЕ ПРОЙДЕНО
dash-cannot-verify = Не удалось проверить: { $error }

dash-restricted-title = Доступ к этому журналу ограничен
dash-restricted-help = Его оператор выдаёт токены доступа: для чтения или ещё и для точных координат и проверки записей в этом браузере. Токен хранится только в этой вкладке и исчезает, как только вы её закроете.
dash-token = Токен доступа
dash-sign-in = Войти
dash-sign-out = Выйти
dash-cancel = Отмена
dash-token-refused = Сервер отклонил этот токен: он неизвестен или уже недействителен.
dash-token-no-read = Этот токен не даёт доступа к чтению журнала.
dash-coarsened = Координаты показаны с точностью до { $km } км.
dash-verify-restricted = Для проверки нужен токен с точным доступом (precise): подписанные байты записей этот сервер выдаёт только с таким токеном.

## Файлы доказательств: что журнал говорит о файлах, на которые ссылаются
## сообщения, и проверка файла по его доказательству (`truce evidence prove`).

dash-evidence-title = Файлы доказательств
dash-evidence-cited = { $media }, { $bytes ->
    [one] { $bytes } байт
    [few] { $bytes } байта
   *[many] { $bytes } байт
    [other] { $bytes } байта
}; { $count ->
    [one] упомянут в записи
   *[other] упомянут в записях
} { $reports }
dash-evidence-looking = Ищем файл в журнале…
dash-evidence-unlogged = В журнале нет записи доказательства для этого файла: его описывает только само сообщение.
dash-evidence-restricted = Чтобы прочитать запись доказательства, нужен токен с точным доступом (precise).
dash-evidence-error = Не удалось найти файл: { $error }
dash-evidence-more = { $entries ->
    [one] Этот файл называет { $entries } запись доказательства; показаны первые пять.
    [few] Этот файл называют { $entries } записи доказательств; показаны первые пять.
   *[many] Этот файл называют { $entries } записей доказательств; показаны первые пять.
    [other] Этот файл называют { $entries } записи доказательств; показаны первые пять.
}
dash-evidence-entry = Запись доказательства { $index }, подписал { $source }
dash-custodian = Хранитель: { $custodian }
dash-credentials-absent = Учётных данных контента нет: в файле нет манифеста C2PA, так что ничто в нём не говорит, кто его создал и как редактировал.
dash-credentials-valid = Учётные данные контента действительны: подписал { $signer }, но его сертификата нет ни в одном списке доверия сервера, который их прочитал.
dash-credentials-trusted = Учётные данные контента доверенные: подписал { $signer }, чей сертификат ведёт к доверенному издателю.
dash-credentials-invalid = Учётные данные контента НЕДЕЙСТВИТЕЛЬНЫ: манифест не прошёл проверку ({ $codes }).
dash-credentials-issuer = Сертификат выдал: { $issuer }
dash-credentials-bytes-match = Хеш в манифесте совпадает с байтами файла.
dash-credentials-bytes-differ = Байты файла НЕ совпадают с хешем в манифесте: файл изменён после подписания.
dash-credentials-actions = Записанные действия: { $actions }
dash-derived = Копия оригинала { $original } ({ $logged }): { $method }.
dash-derived-metadata_removed = удалены метаданные о месте и устройстве, содержимое не изменено
dash-derived-redacted = части размыты или вырезаны
dash-derived-transcoded = преобразовано в другой формат или размер
dash-original-logged = внесён в журнал записью { $index }
dash-original-unlogged = оригинала в журнале нет
dash-captured = По данным устройства, снято { $time }.
dash-captured-place = По данным устройства, снято в точке { $lat }, { $lon } (±{ $metres } м).
dash-evidence-stored = Этот сервер хранит файл, сверенный с его хешем:
dash-evidence-download = скачать
dash-evidence-not-stored = Байтов этого файла на сервере нет.

dash-view-file = Проверить файл
dash-file-title = Проверить файл доказательства
dash-file-help = Перетащите сюда файл и его доказательство (файл .tlog-proof), вместе или по очереди. Оба остаются в этом браузере: ничего не отправляется.
dash-drop-here = Перетащите сюда файл и его доказательство или
dash-choose-files = выберите файлы
dash-slot-file = Файл:
dash-slot-proof = Доказательство:
dash-none-yet = пока нет
dash-file-hashing = Вычисляем SHA-256 файла в этом браузере…
dash-file-verified = Проверено: этот файл был в журнале не позднее { $utc } ({ $local } по вашему времени), что удостоверяет подпись свидетеля { $witness }. Его запись доказательства — запись { $index }.
dash-file-unwitnessed = Запись доказательства этого файла есть в журнале (запись { $index }) под контрольной точкой, подписанной ключом журнала, но ни один свидетель её не подписал: когда файл внесён в журнал, говорит только сам журнал.
dash-file-failed = НЕ проверено: проверка «{ $check }» не пройдена ({ $detail }).
check-proof-format = формат доказательства
check-evidence-entry = запись доказательства в доказательстве включения
check-file-hash = SHA-256 файла
check-file-size = размер файла
detail-no-extra = доказательство не содержит записи (нет строки extra): это не доказательство для файла
detail-not-evidence = запись имеет тип { $type }, а не truce.evidence/v1
detail-file-hash-mismatch = не тот файл: его SHA-256 — { $file }, а запись называет { $entry }
detail-file-size = размер файла { $file } Б, запись называет { $entry } Б

## Полевая страница (/field): телефон наблюдателя подписывает сообщения
## и отправляет их, когда может.

dash-field-title = Truce: полевые сообщения
dash-field-heading = Полевые сообщения
dash-field-connection-online = В сети
dash-field-connection-offline = Нет сети
dash-field-setup = Настроить это устройство
dash-field-setup-help = Это устройство создаёт собственный ключ подписи. Закрытый ключ никогда не покидает этот браузер, и скопировать его отсюда невозможно.
dash-field-key-name = Название ключа
dash-field-create-key = Создать ключ
dash-field-bad-name = Название ключа не может быть пустым и не может содержать пробелов и знака «+».
dash-field-no-ed25519 = Этот браузер не умеет создавать ключи Ed25519 ({ $error }): воспользуйтесь актуальной версией Chrome, Firefox или Safari.
dash-field-identity = Ключ этого устройства
dash-field-vkey-help = Передайте этот ключ оператору журнала, чтобы он зарегистрировал его как источник. До тех пор журнал будет отклонять то, что подписывает это устройство; ничего не теряется, и всё можно отправить снова.
dash-field-copy = Копировать
dash-field-copied = Скопировано.
dash-field-copy-failed = Не удалось скопировать: ключ выделен, скопируйте его вручную.
dash-field-log-pinned = Журнал { $origin }, ключ { $key }: закреплён на этом устройстве при первом соединении; каждое доказательство проверяется им.
dash-field-log-unpinned = Ключ журнала ещё не закреплён: это произойдёт при первом соединении.
dash-field-new-report = Новое сообщение
dash-field-time = Когда (оставьте пустым, если сейчас)
dash-field-place = Где
dash-field-locate = Определить моё место
dash-field-locating = Определяем место…
dash-field-located = Место определено с точностью до { $metres } м.
dash-field-no-location = { $why ->
    [denied] Доступ к местоположению запрещён: введите координаты.
    [timeout] Место не определено вовремя: введите координаты.
   *[other] Местоположение недоступно: введите координаты.
}
dash-field-lat = Широта
dash-field-lon = Долгота
dash-field-uncertainty = Точность (метров)
dash-field-place-name = Название места (необязательно)
dash-field-event = Что произошло
dash-field-basis = Откуда известно
dash-field-confidence = Уверенность
dash-basis-direct = видели или слышали сами
dash-basis-sensor = зафиксировано нашим прибором
dash-basis-imagery = по фото, видео или спутниковым снимкам
dash-basis-secondhand = от очевидцев или местных властей
dash-basis-official = из официального заявления
dash-basis-media = из новостей или соцсетей
dash-field-summary = Что вы видели или слышали
dash-field-sign = Подписать и сохранить
dash-field-signed = Подписано и сохранено на этом устройстве: { $id }.
dash-field-sign-error = Не удалось подписать: { $error }
dash-field-outbox = Исходящие
dash-field-outbox-empty = Ещё ничего не подписано.
dash-field-sync = Синхронизировать сейчас
dash-field-syncing = Отправляем…
dash-field-synced = Последняя синхронизация: { $time }.
dash-field-offline = Нет сети: подписанное остаётся на этом устройстве и будет отправлено, когда соединение восстановится.
dash-field-sync-error = Синхронизация остановлена: { $error }
dash-field-unreachable = Сервер недоступен; исходящие сохранены и будут отправлены позже.
dash-field-server-busy = Сервер сейчас не может принять (HTTP { $status }); попробуем позже.
dash-field-key-changed = Ключ журнала на сервере { $key } не совпадает с ключом, закреплённым на этом устройстве ({ $pinned }), и ни одна ротация, подписанная закреплённым ключом, к нему не ведёт. Ничего не отправлено: обратитесь к оператору журнала.
dash-field-signed-at = Подписано { $time }
dash-field-waiting = ждёт отправки
dash-field-sent = отправлено: запись { $index }; доказательство ещё не проверено
dash-field-verified = проверено: запись { $index } включена в подписанную контрольную точку журнала размером { $size }
dash-field-state-refused = журнал отклонил
dash-field-refused = Ответ журнала: { $detail }
dash-field-retry = Отправить снова
dash-field-proof-failed = Доказательство включения НЕ прошло проверку: { $why }. Оно будет проверено снова при следующей синхронизации.
dash-field-proof-index = доказательство относится к записи { $index }
dash-field-proof-unsigned = его контрольная точка не подписана закреплённым ключом журнала { $key }
dash-field-proof-root = его хеши не ведут к корню контрольной точки размером { $size }
dash-field-proof-malformed = его невозможно прочитать ({ $error })
dash-field-show-note = Подписанная запись
