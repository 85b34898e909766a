# Truce's messages in English. The same keys are in uk.ftl and ru.ftl;
# `cargo test -p truce-i18n` fails on a key missing from one of them or a
# key that no code uses. The glossary of the terms below, in the three
# languages side by side, is docs/glossary.md.

## Vocabulary: the values of the entry schema and of the assessment, by
## their canonical (language-neutral) names.

grade-verified = verified
grade-probable = probable
grade-reported = reported
grade-contested = contested
grade-discounted = discounted

finding-violation = violation
finding-no_violation = no violation
finding-no_finding = no finding

kind-missile_strike = missile strike
kind-drone_strike = drone strike
kind-air_strike = air strike
kind-guided_bomb = guided bomb
kind-artillery = artillery fire
kind-mlrs = multiple rocket launcher fire
kind-mortar = mortar fire
kind-tank_fire = tank fire
kind-small_arms = small arms fire
kind-ground_assault = ground assault
kind-naval_attack = naval attack
kind-mine = mine
kind-sabotage = sabotage
kind-interception = interception
kind-undetermined_explosion = undetermined explosion

target-residential = residential
target-commercial = commercial
target-industrial = industrial
target-agriculture = agriculture
target-energy_generation = power generation
target-energy_transmission = power transmission
target-nuclear = nuclear facility
target-hydro_dam = hydroelectric dam
target-fuel_refinery = oil refinery
target-fuel_pipeline = fuel pipeline
target-fuel_storage = fuel storage
target-gas = gas infrastructure
target-water = water supply
target-heating = heating
target-telecom = telecommunications
target-port = port
target-vessel = vessel
target-rail = railway
target-road = road
target-airport = airport
target-medical = medical facility
target-education = educational facility
target-cultural = cultural site
target-religious = religious site
target-government = government building
target-humanitarian = humanitarian site
target-military = military object

service-electricity = electricity
service-water = water
service-heating = heating
service-gas = gas
service-telecom = telecommunications

gap-access_denied = access denied
gap-sensor_outage = sensor outage
gap-jamming = jamming
gap-restricted_movement = restricted movement

role-monitor = monitor
role-sensor = sensor
role-party = party to the ceasefire
role-osint = open-source investigator
role-media = media
role-analyst = analyst
role-operator = operator

responsibility-assessment = an analyst's assessment
responsibility-reports = the reports agree

confidence-low = low
confidence-medium = medium
confidence-high = high

harm-killed = killed
harm-killed_civilian = of them civilians killed
harm-injured = injured
harm-injured_civilian = of them civilians injured

## Why an incident has its grade, and why a verdict found what it found:
## the `code` of each reason in the canonical report, with its numbers.

reason-observed_with_evidence = entry { $entry }: a monitor's or sensor's observation with evidence
reason-credible_groups = credible reports from { $groups } independent groups
reason-independent_groups = reports from { $groups } independent groups, { $credible } of them credible
reason-credible_with_evidence = entry { $entry }: a credible source's report with evidence
reason-uncorroborated = { $groups ->
    [one] reports from one group of sources, no corroboration
   *[other] reports from { $groups } groups of sources, no corroboration
}
reason-withdrawn = its reports were withdrawn
reason-not_affirmed = no live report affirms that it took place
reason-denied = entry { $denier } denies what entry { $affirmer } affirms
reason-perpetrators = the reports name different perpetrators: { $named }
reason-perpetrator = { $party } (entry { $entry })

verdict-no_prohibited_act = no prohibited kind against a protected target
verdict-insufficient_corroboration = insufficient corroboration
verdict-coverage_gap = coverage gap
verdict-responsibility_unknown = responsibility not established
verdict-prohibited_act = prohibited kind against a protected target
verdict-party_not_bound = party not bound by the rule

## The daily report (`truce report`, /v1/reports/daily/DATE).

report-title = Daily report, { $date }
report-period = Period: { $from } to { $to } (UTC).
report-summary = Summary
report-this-period = this period
report-previous-period = previous period
report-change = change
report-incidents = incidents
report-violations = violations
report-killed = killed
report-injured = injured
report-coverage-gaps = coverage gaps
report-by-grade = Incidents by grade: { $list }.
report-by-rule = Violations by rule: { $list }.
report-cut-off = Customers cut off: { $list }.
report-none = none
report-none-reported = none reported
report-silence = { $gaps ->
    [one] Silence is not compliance: one coverage gap overlaps this period; no finding there means the mission could not see, not that nothing happened.
   *[other] Silence is not compliance: { $gaps } coverage gaps overlap this period; no finding there means the mission could not see, not that nothing happened.
}
report-by-region = By region
report-region = region
report-disruption = disruption
report-by-party = By party
report-party = party
report-attributed = incidents attributed
report-gaps-caused = coverage gaps caused
report-violations-title = Violations
report-none-found = None found.
report-none-reported-sentence = None reported.
report-violation = { $incident }: rule { $rule } of agreement { $agreement }, by { $party } (confidence { $confidence }, incident { $grade }); entries { $entries }.
report-unknown-party = unknown
report-confidence-unstated = not stated
report-incidents-title = Incidents
report-incident = incident
report-time = time (UTC)
report-place = place
report-grade = grade
report-verdicts = verdicts
report-entries = entries
report-gaps-title = Coverage gaps
report-gap = entry { $entry }: { $gap } by { $by }, { $from } to { $to }, { $region } ({ $radius } m around { $lat }, { $lon }), reported by { $source }.
report-region-unknown = region not given
report-provenance = Provenance
report-provenance-text = Computed by Truce { $version } from the log { $origin } at tree size { $size } (root hash { $root }), against agreement entries { $agreements }. Parameters: { $parameters }. Wording: catalogue { $catalogue }. Recompute it with { $command }.
report-map = Map
report-map-label = Map of the incidents of { $date }
report-map-gap = coverage gap { $entry }: { $gap }

## Places on the maps.

country-BGR = Bulgaria
country-BLR = Belarus
country-GEO = Georgia
country-HUN = Hungary
country-LTU = Lithuania
country-LVA = Latvia
country-MDA = Moldova
country-POL = Poland
country-ROU = Romania
country-RUS = Russia
country-SVK = Slovakia
country-TUR = Turkey
country-UKR = Ukraine

city-kyiv = Kyiv
city-kharkiv = Kharkiv
city-odesa = Odesa
city-lviv = Lviv
city-dnipro = Dnipro
city-zaporizhzhia = Zaporizhzhia
city-kherson = Kherson
city-donetsk = Donetsk

## The dashboard.

dash-title = Truce: ceasefire monitoring ledger
dash-skip = Skip to content
dash-loading-log = Loading the log…
dash-views = Views
dash-view-map = Map
dash-view-compliance = Compliance
dash-view-sources = Sources
dash-view-log = Log
dash-language = Language
dash-update = Update the page
dash-log-grew = { $entries ->
    [one] The log has grown by { $entries } entry.
   *[other] The log has grown by { $entries } entries.
}
dash-cannot-load = Cannot load the log: { $error }
dash-log-line = { $origin } · { $entries ->
    [one] { $entries } entry
   *[other] { $entries } entries
} · { $incidents ->
    [one] { $incidents } incident
   *[other] { $incidents } incidents
} · checkpoint root { $root }

dash-incidents-map = Incidents map
dash-filters = Filters
dash-filter-party = Party
dash-filter-grade = Grade
dash-filter-rule = Rule violated
dash-filter-kind = Kind
dash-filter-target = Target
dash-filter-source = Source
dash-filter-from = From
dash-filter-to = To
dash-any = Any
dash-clear-filters = Clear filters
dash-export = Export:
dash-legend = Legend
dash-grades = Grades
dash-zone = agreement zone
dash-gap = coverage gap
dash-map-label = Map of incidents; the list below holds the same incidents
dash-zoom-in = Zoom in
dash-zoom-out = Zoom out
dash-zoom-reset = Show all of Ukraine
dash-timeline-caption = Incidents per day by grade; drag across the chart to filter by time, click it to clear.
dash-timeline-label = Incidents per day by grade
dash-party-caption = Violations per party, per day
dash-timeline-peak = { $count ->
    [one] at most { $count } a day
   *[other] at most { $count } a day
}
dash-party-violations = { $party } violations
dash-count = { $all ->
    [one] { $shown } of { $all } incident
   *[other] { $shown } of { $all } incidents
}
dash-count-all = { $all ->
    [one] { $all } incident
   *[other] { $all } incidents
}
dash-list-more = The { $rows } latest of { $all }; narrow the filters or export to see all.
dash-col-time = Time
dash-col-place = Place
dash-col-kind = Kind
dash-col-grade = Grade
dash-col-party = Party
dash-col-violations = Violations
dash-list-title = Incidents

dash-back = ← Back to the map
dash-incident = Incident
dash-loading = Loading…
dash-no-incident = No incident { $id }: { $error }
dash-grade = Grade
dash-before-corroboration = Disregarding the disagreement: { $grade }
dash-what-where = What and where
dash-time-range = { $from } to { $to }
dash-place = { $place } (±{ $metres } m)
dash-targets = Targets: { $list }
dash-harm = Harm: { $list }
dash-harm-none = none reported
dash-disruption = Disruption: { $list }
dash-responsibility = Responsibility: { $party } ({ $basis }, confidence: { $confidence })
dash-confidence-unrated = not rated
dash-responsibility-none = Responsibility: not established
dash-gaps-overlap = Coverage gaps overlap: entries { $entries }
dash-verdicts = Verdicts
dash-col-agreement = Agreement
dash-col-rule = Rule
dash-col-finding = Finding
dash-col-reason = Reason
dash-col-cites = Cites
dash-entry = entry { $index }
dash-reports = Reports
dash-col-entry = Entry
dash-col-source = Source
dash-col-summary = Summary
dash-col-evidence = Evidence
dash-superseded = { $index } (superseded by { $by })
dash-source-detail = { $name } ({ $role }, { $organisation }, reliability { $reliability })
dash-withdrawn = withdrawn
dash-verify = { $entries ->
    [one] Verify the { $entries } entry this rests on
   *[other] Verify the { $entries } entries this rests on
}
dash-verify-policy = { $entries ->
    [one] Verify the { $entries } entry this rests on (with your witness policy)
   *[other] Verify the { $entries } entries this rests on (with your witness policy)
}
dash-checking = { $entries ->
    [one] Checking { $entries } entry in this browser…
   *[other] Checking { $entries } entries in this browser…
}
dash-verified-all = { $entries ->
    [one] Verified: the { $entries } entry is signed, in the log, and covered by its signed checkpoint.
   *[other] Verified: all { $entries } entries are signed, in the log, and covered by its signed checkpoint.
}
dash-verify-failed = Verification FAILED: do not trust this incident's record as served.
dash-entry-outcome = Entry { $index }: { $ok ->
    [yes] verified
   *[no] FAILED
}

check-entry-signature = entry signature
check-leaf-hash = leaf hash
check-proof-index = proof is for this entry
check-checkpoint-signature = checkpoint signature
check-inclusion-proof = inclusion proof
check-witness-policy = witness policy
check-cosignature = cosignature by { $witness }
check-signature = signature by { $key }
check-verification = verification
detail-no-source = signed by { $names }: no registered source
detail-signed-by = Ed25519 signature by { $key }
detail-checkpoint = { $origin } at size { $size }, signed by { $keys }
detail-no-policy-key = no key of the policy
detail-hashes = { $hashes ->
    [one] { $hashes } hash leads to root { $root }
   *[other] { $hashes } hashes lead to root { $root }
}
detail-cosigned = cosigned by { $names }; quorum { $quorum }
detail-no-witness = no witness
detail-no-quorum = none
detail-invalid-cosignature = invalid cosignature by { $names }
detail-cosigned-at = tlog-cosignature/v1 at { $time }
detail-unknown-key = signed by no key this log knows
dash-or = { $a } or { $b }

dash-compliance = Compliance
dash-violations-table = Violations per party and rule
dash-in-force = Entry { $index }; in force from { $from }
dash-in-force-until = Entry { $index }; in force from { $from } to { $to }
dash-per-day = Violations per day, { $from } to { $to }, by party:
dash-daily-reports = Daily reports

dash-sources = Sources
dash-col-name = Name
dash-col-role = Role
dash-col-organisation = Organisation
dash-col-reliability = Reliability
dash-col-status = Status
dash-active = active
dash-revoked = revoked

dash-log = The log
dash-log-summary = Origin { $origin }; { $entries ->
    [one] { $entries } entry
   *[other] { $entries } entries
}; root { $root }
dash-log-key = Log key:
dash-witnessed-checkpoint = Latest witnessed checkpoint
dash-checkpoint = Latest checkpoint
dash-witnesses = Witnesses
dash-no-cosignature = no cosignature on this checkpoint
dash-cosignature-ok = cosignature verified
dash-cosignature-bad = INVALID cosignature
dash-no-witnesses = This log is configured with no witnesses.
dash-policy = Your witness policy
dash-policy-help = A C2SP tlog-policy (log, witness, group and quorum lines). Kept in this browser; with it, Verify accepts a checkpoint only if the policy's log signed it and a quorum of its witnesses cosigned it.
dash-policy-in-force = A witness policy is in force for verification.
dash-policy-none = No witness policy: verification trusts the log's key alone.
dash-policy-use = Use this policy
dash-policy-saved = Saved: verification now requires this policy's quorum.
dash-policy-cleared = Cleared: verification trusts the log's key alone.
dash-verify-paste = Verify an entry, a checkpoint or a proof
dash-paste-label = Paste a signed entry, a signed checkpoint or a c2sp.org/tlog-proof@v1
dash-verify-button = Verify
dash-verified = Verified
dash-failed = FAILED
dash-cannot-verify = Cannot verify: { $error }

dash-restricted-title = This log is restricted
dash-restricted-help = Its operator gives access tokens: to read it, or also to see precise locations and verify entries in this browser. The token is kept in this tab only and leaves when you close it.
dash-token = Access token
dash-sign-in = Sign in
dash-sign-out = Sign out
dash-cancel = Cancel
dash-token-refused = The server refused this token: it is unknown or no longer valid.
dash-token-no-read = This token does not give access to read this log.
dash-coarsened = Coordinates are shown to the nearest { $km } km.
dash-verify-restricted = Verification needs an access token with precise access: this server gives the entries' signed bytes only to such tokens.
