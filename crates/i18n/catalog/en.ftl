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

## Evidence files: what the log says of the files reports cite, and the
## check of a file against its proof (`truce evidence prove`).

dash-evidence-title = Evidence files
dash-evidence-cited = { $media }, { $bytes ->
    [one] { $bytes } byte
   *[other] { $bytes } bytes
}; cited by { $count ->
    [one] entry
   *[other] entries
} { $reports }
dash-evidence-looking = Looking the file up in the log…
dash-evidence-unlogged = The log holds no evidence entry for this file: only the report's own word describes it.
dash-evidence-restricted = Reading the evidence entry needs an access token with precise access.
dash-evidence-error = Cannot look the file up: { $error }
dash-evidence-more = { $entries ->
    [one] { $entries } evidence entry names this file; the first five are shown.
   *[other] { $entries } evidence entries name this file; the first five are shown.
}
dash-evidence-entry = Evidence entry { $index }, signed by { $source }
dash-custodian = Held by: { $custodian }
dash-credentials-absent = No content credentials: the file carries no C2PA manifest, so nothing in it says who made it or how it was edited.
dash-credentials-valid = Content credentials valid: signed by { $signer }, whose certificate is on no trust list of the server that read them.
dash-credentials-trusted = Content credentials trusted: signed by { $signer }, whose certificate chains to a trusted issuer.
dash-credentials-invalid = Content credentials INVALID: the manifest failed a check ({ $codes }).
dash-credentials-issuer = Certificate issued by: { $issuer }
dash-credentials-bytes-match = The manifest's hash matches the file's bytes.
dash-credentials-bytes-differ = The file's bytes do NOT match its manifest's hash: it was changed after it was signed.
dash-credentials-actions = Actions recorded: { $actions }
dash-derived = A copy of the original { $original } ({ $logged }): { $method }.
dash-derived-metadata_removed = location and device metadata removed, the content unchanged
dash-derived-redacted = parts blurred or cut out
dash-derived-transcoded = converted to another format or size
dash-original-logged = logged in entry { $index }
dash-original-unlogged = the original is not in the log
dash-captured = The device says it was captured at { $time }.
dash-captured-place = The device says it was captured at { $lat }, { $lon } (±{ $metres } m).
dash-evidence-stored = This server holds the file, checked against its digest:
dash-evidence-download = download it
dash-evidence-not-stored = This server does not hold the file's bytes.

dash-view-file = Verify a file
dash-file-title = Verify a file of evidence
dash-file-help = Drop the file and its proof (a .tlog-proof file), together or one after the other. Both stay in this browser: nothing is sent.
dash-drop-here = Drop the file and its proof here, or
dash-choose-files = choose files
dash-slot-file = File:
dash-slot-proof = Proof:
dash-none-yet = none yet
dash-file-hashing = Computing the file's SHA-256 in this browser…
dash-file-verified = Verified: this file was in the log no later than { $utc } ({ $local } your time), as the cosignature of { $witness } attests. Its evidence entry is entry { $index }.
dash-file-unwitnessed = The file's evidence entry is in the log (entry { $index }), under a checkpoint signed by the log's key, but no witness cosigned that checkpoint: nothing but the log itself says when the file was logged.
dash-file-failed = NOT verified: { $check } failed ({ $detail }).
check-proof-format = proof format
check-evidence-entry = evidence entry in the proof
check-file-hash = the file's SHA-256
check-file-size = the file's size
detail-no-extra = the proof carries no entry (no extra line): it is not an evidence proof
detail-not-evidence = the entry is a { $type }, not a truce.evidence/v1
detail-file-hash-mismatch = wrong file: its SHA-256 is { $file }, the entry names { $entry }
detail-file-size = the file has { $file } bytes, the entry names { $entry }

## The field page (/field): a monitor's phone signs reports and sends
## them when it can.

dash-field-title = Truce: field reports
dash-field-heading = Field reports
dash-field-connection-online = Online
dash-field-connection-offline = Offline
dash-field-setup = Set up this device
dash-field-setup-help = This device makes its own signing key. The private key never leaves this browser and cannot be copied out of it.
dash-field-key-name = Key name
dash-field-create-key = Create the key
dash-field-bad-name = A key name must not be empty and must hold no spaces and no “+”.
dash-field-no-ed25519 = This browser cannot make Ed25519 keys ({ $error }): use a current Chrome, Firefox or Safari.
dash-field-identity = This device's key
dash-field-vkey-help = Give this key to the log's operator, who registers it as a source. Until then the log refuses what this device signs; nothing is lost, and it can be sent again.
dash-field-copy = Copy
dash-field-copied = Copied.
dash-field-copy-failed = Could not copy: the key is selected, copy it by hand.
dash-field-log-pinned = Log { $origin }, key { $key }: pinned on this device at first contact; every proof is checked against it.
dash-field-log-unpinned = The log's key is not pinned yet: it will be at the first connection.
dash-field-new-report = New report
dash-field-time = When (leave empty for now)
dash-field-place = Where
dash-field-locate = Use my location
dash-field-locating = Finding the location…
dash-field-located = Location found, within { $metres } m.
dash-field-no-location = { $why ->
    [denied] Location refused: type the coordinates.
    [timeout] No location in time: type the coordinates.
   *[other] Location unavailable: type the coordinates.
}
dash-field-lat = Latitude
dash-field-lon = Longitude
dash-field-uncertainty = Within (metres)
dash-field-place-name = Place name (optional)
dash-field-event = What happened
dash-field-basis = How you know
dash-field-confidence = Confidence
dash-basis-direct = seen or heard by us
dash-basis-sensor = recorded by our instrument
dash-basis-imagery = from photos, video or satellite imagery
dash-basis-secondhand = from witnesses or local authorities
dash-basis-official = from an official statement
dash-basis-media = from news or social media
dash-field-summary = What you saw or heard
dash-field-sign = Sign and keep
dash-field-signed = Signed and kept on this device: { $id }.
dash-field-sign-error = Could not sign: { $error }
dash-field-outbox = Outbox
dash-field-outbox-empty = Nothing signed yet.
dash-field-sync = Sync now
dash-field-syncing = Sending…
dash-field-synced = Last sync: { $time }.
dash-field-offline = Offline: what you sign stays on this device and is sent when the connection returns.
dash-field-sync-error = The sync stopped: { $error }
dash-field-unreachable = The server cannot be reached; the outbox is kept and sent later.
dash-field-server-busy = The server cannot take it now (HTTP { $status }); trying again later.
dash-field-key-changed = The server's log key { $key } is not the key pinned on this device ({ $pinned }), and no rotation signed by the pinned key leads to it. Nothing was sent: ask the log's operator.
dash-field-signed-at = Signed { $time }
dash-field-waiting = waiting to be sent
dash-field-sent = sent: entry { $index }; its proof is not checked yet
dash-field-verified = verified: entry { $index }, included in the log's signed checkpoint of size { $size }
dash-field-state-refused = refused by the log
dash-field-refused = The log says: { $detail }
dash-field-retry = Send again
dash-field-proof-failed = The proof of inclusion did NOT check out: { $why }. It is checked again at the next sync.
dash-field-proof-index = the proof is for entry { $index }
dash-field-proof-unsigned = its checkpoint is not signed by the pinned log key { $key }
dash-field-proof-root = its hashes do not lead to the root of the checkpoint of size { $size }
dash-field-proof-malformed = it cannot be read ({ $error })
dash-field-show-note = The signed note
