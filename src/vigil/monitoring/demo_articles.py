"""The demo's news: short articles written for Vigil in seven languages, served by the app
itself (demo_feed) as the feeds of invented local outlets. Some are about the demo sites (the
same event syndicated, lightly edited, and reported in other languages), some are hard
negatives a monitor must not raise: a football "attack", criticism of a government's policy,
a history piece, a concert."""

from __future__ import annotations

# feed slug: (outlet name, language)
FEEDS: dict[str, tuple[str, str]] = {
    "berliner-abendblatt": ("Berliner Abendblatt (demo)", "de"),
    "tagesblick": ("Tagesblick Nachrichten (demo)", "de"),
    "europe-wire": ("Europe Wire (demo)", "en"),
    "le-quotidien-europe": ("Le Quotidien Europe (demo)", "fr"),
    "kurier-polski": ("Kurier Polski (demo)", "pl"),
    "prazske-zpravy": ("Pražské zprávy (demo)", "cs"),
    "wiener-blatt": ("Wiener Blatt (demo)", "de"),
    "nieuws-europa": ("Nieuws Europa (demo)", "nl"),
    "yedion-europa": ("Yedion Europa (demo)", "he"),
}

# The demo organisations' sources, by organisation slug.
ORG_FEEDS: dict[str, tuple[str, ...]] = {
    "jcs-berlin": (
        "berliner-abendblatt",
        "tagesblick",
        "europe-wire",
        "le-quotidien-europe",
        "kurier-polski",
        "yedion-europa",
        "nieuws-europa",
    ),
    "prague-community-security": ("prazske-zpravy", "europe-wire", "kurier-polski"),
    "vienna-city-crisis": ("wiener-blatt", "europe-wire", "nieuws-europa", "le-quotidien-europe"),
}

# Names the demo sites go by in the articles' languages: watched as the site's aliases.
SITE_ALIASES: dict[str, tuple[str, ...]] = {
    "Synagogue Rykestrasse": ("Synagoge Rykestraße", "Synagoge in der Rykestraße",
                              "synagogi przy Rykestraße", "בית הכנסת ברחוב ריקה"),
    "Jewish Community Centre Fasanenstrasse": ("Jüdisches Gemeindehaus Fasanenstraße",
                                               "centre communautaire juif de la Fasanenstrasse"),
    "Jewish Primary School Mitte": ("Jüdische Grundschule Mitte",),
    "Ohel Jakob Synagogue": ("Synagoge Ohel Jakob",),
    "Spanish Synagogue": ("Španělská synagoga", "Španělské synagogy", "Synagogi Hiszpańskiej"),
    "Old New Synagogue": ("Staronová synagoga", "Staronové synagogy", "Synagogi Staronowej"),
    "Vienna City Temple": ("Stadttempel", "Wiener Stadttempel", "Stadttempel de Vienne"),
    "Vienna West Station": ("Westbahnhof", "Wiener Westbahnhof", "station Wien Westbahnhof"),
}  # fmt: skip

# slug, feed, language, hours before the demo load, title, text
ARTICLES: list[tuple[str, str, str, int, str, str]] = [
    # Threatening letters to the Synagogue Rykestrasse (Berlin): syndicated, and in four languages.
    ("drohbriefe-rykestrasse", "berliner-abendblatt", "de", 20,
     "Drohbriefe an die Synagoge Rykestraße",
     "Die Jüdische Gemeinde hat mehrere Drohbriefe erhalten, die an die Synagoge Rykestraße in "
     "Prenzlauer Berg adressiert waren. Die Verfasser kündigen an, das Gebäude während des "
     "Gottesdienstes am Freitag anzugreifen. Der Staatsschutz der Polizei ermittelt; vor der "
     "Synagoge wurde die Bewachung verstärkt."),
    ("drohbriefe-rykestrasse-tb", "tagesblick", "de", 19,
     "Berlin: Drohbriefe an Synagoge Rykestraße – Staatsschutz ermittelt",
     "Die Jüdische Gemeinde hat mehrere Drohbriefe erhalten, die an die Synagoge Rykestraße in "
     "Prenzlauer Berg adressiert waren. Die Verfasser kündigen an, das Gebäude während des "
     "Gottesdienstes am Freitag anzugreifen. Der Staatsschutz der Polizei ermittelt; vor der "
     "Synagoge wurde die Bewachung verstärkt. Lesen Sie auch: Unsere Wetter-App für Berlin."),
    ("letters-rykestrasse", "europe-wire", "en", 18,
     "Berlin synagogue receives threatening letters",
     "Several letters threatening an attack during Friday prayers were sent to the Synagogue "
     "Rykestrasse in Berlin's Prenzlauer Berg district, the Jewish community said. Police state "
     "security officers are investigating and have increased protection at the building."),
    ("listy-rykestrasse", "kurier-polski", "pl", 17,
     "Listy z groźbami do synagogi w Berlinie",
     "Do synagogi przy Rykestraße w berlińskiej dzielnicy Prenzlauer Berg wysłano kilka listów z "
     "groźbami ataku podczas piątkowej modlitwy. Policja prowadzi śledztwo i wzmocniła ochronę "
     "budynku."),
    ("michtavim-rykestrasse", "yedion-europa", "he", 16,
     "מכתבי איום נשלחו לבית כנסת בברלין",
     "כמה מכתבי איום נשלחו לבית הכנסת ברחוב ריקה בשכונת פרנצלאואר ברג בברלין. הכותבים איימו "
     "לתקוף את המבנה בזמן תפילת יום שישי. המשטרה פתחה בחקירה והגבירה את האבטחה במקום."),
    # Swastikas on the Jewish Community Centre Fasanenstrasse (Berlin).
    ("hakenkreuze-fasanenstrasse", "berliner-abendblatt", "de", 30,
     "Hakenkreuze an Jüdisches Gemeindehaus Fasanenstraße geschmiert",
     "Unbekannte haben in der Nacht zu Dienstag Hakenkreuze und antisemitische Parolen an die "
     "Fassade des Jüdischen Gemeindehauses Fasanenstraße in Charlottenburg gesprüht. Die "
     "Polizei sicherte Spuren und sucht Zeugen."),
    ("swastikas-fasanenstrasse", "europe-wire", "en", 28,
     "Swastikas sprayed on Berlin Jewish community centre",
     "Unknown people sprayed swastikas and antisemitic slogans on the front of the Jewish "
     "Community Centre Fasanenstrasse in Charlottenburg overnight. Police are looking for "
     "witnesses."),
    ("croix-gammees-fasanenstrasse", "le-quotidien-europe", "fr", 27,
     "Des croix gammées sur un centre communautaire juif de Berlin",
     "Des inconnus ont peint des croix gammées et des slogans antisémites sur la façade du "
     "centre communautaire juif de la Fasanenstrasse, à Charlottenburg. La police recherche "
     "des témoins."),
    # Someone photographing the entrances of the Jewish Primary School Mitte.
    ("fotos-grundschule-mitte", "tagesblick", "de", 9,
     "Mann fotografiert Eingänge der Jüdischen Grundschule Mitte",
     "Ein Mann hat am Morgen über längere Zeit die Eingänge und Kameras der Jüdischen "
     "Grundschule Mitte fotografiert und ist beim Ansprechen davongelaufen. Die Polizei prüft "
     "den Vorfall und fährt verstärkt Streife."),
    ("photos-school-mitte", "europe-wire", "en", 8,
     "Man seen photographing Jewish school entrances in Berlin",
     "A man spent a long time photographing the entrances and cameras of the Jewish Primary "
     "School Mitte and ran off when staff spoke to him, Berlin police said. Patrols have been "
     "increased."),
    # An attempted break-in at the Ohel Jakob Synagogue (Munich).
    ("einbruch-ohel-jakob", "tagesblick", "de", 40,
     "Einbruchsversuch an Synagoge Ohel Jakob in München",
     "An der Synagoge Ohel Jakob am St.-Jakobs-Platz hat ein Unbekannter in der Nacht versucht, "
     "eine Seitentür aufzubrechen. Der Alarm löste aus, der Täter floh. Die Polizei ermittelt."),
    ("break-in-ohel-jakob", "europe-wire", "en", 39,
     "Attempted break-in at Munich synagogue",
     "Someone tried to force a side door of the Ohel Jakob Synagogue in Munich overnight before "
     "the alarm went off and the intruder fled, police said."),
    # A hoax bomb threat against the Spanish Synagogue (Prague).
    ("vyhruzka-spanelska", "prazske-zpravy", "cs", 12,
     "Španělskou synagogu evakuovali kvůli výhrůžce bombou",
     "Policie v neděli evakuovala Španělskou synagogu v Josefově poté, co židovská obec dostala "
     "e-mail s výhrůžkou bombou. Pyrotechnici budovu prohledali a nic nenašli. Policie pátrá "
     "po odesílateli."),
    ("vyhruzka-spanelska-2", "prazske-zpravy", "cs", 11,
     "Výhrůžka bombou: Španělská synagoga byla evakuována",
     "Policie v neděli evakuovala Španělskou synagogu v Josefově poté, co židovská obec dostala "
     "e-mail s výhrůžkou bombou. Pyrotechnici budovu prohledali a nic nenašli. Policie pátrá "
     "po odesílateli. Sledujte nás také na sociálních sítích."),
    ("bomb-threat-prague", "europe-wire", "en", 10,
     "Prague synagogue evacuated after bomb threat",
     "Police evacuated the Spanish Synagogue in Prague's Josefov quarter after the Jewish "
     "community received an e-mailed bomb threat. Nothing was found."),
    ("grozba-praga", "kurier-polski", "pl", 10,
     "Ewakuacja synagogi w Pradze po groźbie bombowej",
     "Praska policja ewakuowała Synagogę Hiszpańską po tym, jak gmina żydowska otrzymała "
     "e-mail z groźbą podłożenia bomby. Niczego nie znaleziono."),
    # An assault near the Old New Synagogue (Prague).
    ("napadeni-staronova", "prazske-zpravy", "cs", 50,
     "Muže s kipou napadli u Staronové synagogy",
     "U Staronové synagogy v Červené ulici napadl neznámý útočník muže s kipou, udeřil ho do "
     "obličeje a křičel antisemitské nadávky. Napadený utrpěl lehká zranění."),
    ("napad-staronowa", "kurier-polski", "pl", 48,
     "Atak na mężczyznę w jarmułce w Pradze",
     "W pobliżu Synagogi Staronowej w Pradze nieznany sprawca uderzył mężczyznę w jarmułce i "
     "wykrzykiwał antysemickie obelgi. Poszkodowany został lekko ranny."),
    # A suspicious suitcase at Vienna West Station.
    ("koffer-westbahnhof", "wiener-blatt", "de", 5,
     "Verdächtiger Koffer: Westbahnhof stundenlang gesperrt",
     "Ein herrenloser Koffer hat am Wiener Westbahnhof einen Großeinsatz ausgelöst. Die Halle "
     "wurde geräumt, Sprengstoffexperten untersuchten den Koffer. Nach zwei Stunden gab die "
     "Polizei Entwarnung."),
    ("koffer-westbahnhof-nl", "nieuws-europa", "nl", 4,
     "Verdachte koffer legt station in Wenen plat",
     "Een achtergelaten koffer heeft het station Wien Westbahnhof urenlang platgelegd. De hal "
     "werd ontruimd en explosievenexperts onderzochten de koffer. De politie gaf daarna het "
     "sein veilig."),
    ("suitcase-vienna", "europe-wire", "en", 4,
     "Vienna West Station cleared over suspicious suitcase",
     "An unattended suitcase led police to clear Vienna West Station for two hours while bomb "
     "disposal experts examined it. It turned out to be harmless."),
    # Antisemitic stickers near the Vienna City Temple.
    ("aufkleber-stadttempel", "wiener-blatt", "de", 60,
     "Antisemitische Aufkleber rund um den Stadttempel",
     "In den Gassen rund um den Wiener Stadttempel sind dutzende Aufkleber mit antisemitischen "
     "Verschwörungsparolen aufgetaucht. Die Stadt lässt sie entfernen, der Verfassungsschutz "
     "ermittelt."),
    ("autocollants-vienne", "le-quotidien-europe", "fr", 58,
     "Des autocollants antisémites autour du Stadttempel de Vienne",
     "Des dizaines d'autocollants aux slogans complotistes antisémites ont été collés dans les "
     "rues autour du Stadttempel de Vienne. La ville les fait retirer."),
    # Hard negatives: sport, policy criticism, history, culture, a market.
    ("hertha-angriff", "berliner-abendblatt", "de", 26,
     "Hertha-Angriff zerlegt Gegner im Olympiastadion",
     "Mit einem furiosen Angriff hat Hertha den Gegner im Olympiastadion förmlich überrannt. "
     "Die Stürmer schossen drei Tore in zwanzig Minuten; die Abwehr des Gegners war machtlos."),
    ("stadium-attack", "europe-wire", "en", 25,
     "Berlin side's attack destroys visitors at Olympic Stadium",
     "Hertha's attack tore through the visitors' defence at the Olympic Stadium Berlin, scoring "
     "three goals in twenty minutes in front of a record crowd."),
    ("policy-criticism", "europe-wire", "en", 34,
     "Opposition criticises government's settlement policy",
     "Opposition members in several European parliaments criticised the Israeli government's "
     "settlement policy on Tuesday, as they have criticised other governments' policies, and "
     "called for new talks."),
    ("kritiek-beleid", "nieuws-europa", "nl", 33,
     "Kritiek op het nederzettingenbeleid van de regering",
     "Parlementariërs uit verschillende Europese landen hebben kritiek geuit op het "
     "nederzettingenbeleid van de Israëlische regering en riepen op tot nieuwe onderhandelingen."),
    ("pogromnacht-1938", "berliner-abendblatt", "de", 70,
     "Erinnerung an die Pogromnacht 1938",
     "Vor der Neuen Synagoge in der Oranienburger Straße erinnerten Schülerinnen und Schüler an "
     "die Pogromnacht vom 9. November 1938, als ein Polizist die Synagoge vor dem Brand "
     "bewahrte. Eine Ausstellung zeigt Fotos aus jener Zeit."),
    ("konzert-philharmonie", "berliner-abendblatt", "de", 45,
     "Ausverkauftes Konzert in der Philharmonie",
     "Das Orchester spielte am Samstagabend vor ausverkauftem Haus in der Philharmonie Berlin. "
     "Das Publikum feierte die Musikerinnen und Musiker mit langem Applaus."),
    ("trhy-namesti", "prazske-zpravy", "cs", 36,
     "Na náměstí Republiky začaly vánoční trhy",
     "Na náměstí Republiky v Praze začaly vánoční trhy. Stánky nabízejí punč, perník a ruční "
     "výrobky až do konce prosince."),
    ("marche-noel-vienne", "le-quotidien-europe", "fr", 44,
     "Le marché de Noël de Vienne ouvre ses portes",
     "Le marché de Noël de la place de l'Hôtel de Ville de Vienne a ouvert ses portes samedi "
     "devant des milliers de visiteurs."),
]  # fmt: skip

# Terms each organisation watches besides its sites.
TERM_WATCHES: dict[str, tuple[str, ...]] = {
    "jcs-berlin": ("Synagoge", "synagogue", "Hakenkreuz"),
    "prague-community-security": ("synagoga", "židovská obec"),
    "vienna-city-crisis": ("Westbahnhof", "Stadttempel"),
}
