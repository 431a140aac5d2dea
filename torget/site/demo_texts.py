"""Words for the demo: street names, report texts and comments in Norwegian, and how often
each state occurs. Kept apart from demo.py so the logic there reads on one screen."""

from torget.reports.models import State

STREETS = {"3401": ("Storgata", "Brugata", "Glommengata", "Markensvegen", "Parkvegen")}
DEFAULT_STREETS = ("Kirkevegen", "Skolevegen", "Stasjonsvegen", "Sentrumsvegen", "Idrettsvegen")

# (title, detail) as citizens write them; {street} is filled in. Most write bokmål, some nynorsk.
# fmt: off
REPORT_TEXTS: dict[str, tuple[tuple[str, str], ...]] = {
    "hull-i-vegen": (
        ("Dypt hull i {street}", "Stort hull i asfalten like ved gangfeltet. Det er minst ti "
         "centimeter dypt og fylles med vann når det regner. Farlig for syklister."),
        ("Hull i vegen ved bussholdeplassen i {street}", "Flere hull i kjørebanen der bussen "
         "stopper. Bilene svinger ut i motgående felt for å komme unna."),
        ("Asfalten har sprukket opp i {street}", "Asfalten har løsnet i en lang stripe langs "
         "fortauskanten, og det ligger løs grus i vegbanen."),
        ("Kumlokk ligger for lavt i {street}", "Kumlokket midt i vegen ligger godt under "
         "asfalten. Det smeller hver gang en bil kjører over."),
        ("Hol i vegen i {street}", "Det er eit djupt hol i vegen like ved krysset. Eg heldt på "
         "å miste kontrollen på sykkelen i går kveld."),
    ),
    "gatelys": (
        ("Gatelyset virker ikke i {street}", "Tre lyktestolper på rad er mørke. Det er helt "
         "mørkt på gangvegen om kvelden."),
        ("Gatelyset blinker i {street}", "Lyset ved innkjørselen blinker av og på hele natta."),
        ("Lyktestolpe skadet i {street}", "En lyktestolpe heller kraftig etter at en bil har "
         "kjørt på den. Den ser ut som den kan velte."),
        ("Gatelyset står på hele dagen i {street}", "Lysene langs {street} lyser også midt på "
         "dagen. Noe må være galt med styringen."),
        ("Mørkt ved fotgjengerovergangen i {street}", "Ingen av lysene ved overgangen virker. "
         "Barna går her i mørket på veg til skolen."),
    ),
    "soppel-og-forsopling": (
        ("Søppel dumpet i {street}", "Noen har satt igjen flere svarte sekker og en gammel "
         "madrass ved skogkanten."),
        ("Full søppelkasse i {street}", "Søppelkassen ved benken er full, og måkene har dratt "
         "søppel utover hele plassen."),
        ("Forsøpling ved returpunktet i {street}", "Det står pappesker og flasker rundt "
         "glassiglooen. Det har stått slik i over en uke."),
        ("Bilvrak hensatt i {street}", "En bil uten skilter har stått her i flere måneder. Den "
         "ruster, og ei rute er knust."),
        ("Hundeposar i grøfta langs {street}", "Mange hundeposar er slengde i grøfta langs "
         "turvegen. Kan de setje opp ei søppelkasse her?"),
    ),
    "vann-og-avlop": (
        ("Vannlekkasje i {street}", "Det renner vann opp gjennom asfalten og danner en stor "
         "dam. Det har pågått i to dager."),
        ("Tett sluk i {street}", "Slukene langs fortauet er tette av løv, og det blir store "
         "dammer når det regner."),
        ("Kloakklukt i {street}", "Det lukter sterkt kloakk fra kummen ved lekeplassen, særlig "
         "om kvelden."),
        ("Kumlokk mangler i {street}", "Lokket på en kum i grøftekanten er borte. Hullet står "
         "åpent og er farlig for barn og dyr."),
        ("Brunt vann fra springen i {street}", "Vannet i springen har vært brunt siden i går. "
         "Naboene har det samme."),
    ),
    "broyting-og-stroing": (
        ("Ikke brøytet i {street}", "Det har ikke vært brøytet her siden snøfallet i går. "
         "Bilene står fast i bakken."),
        ("Glatt fortau i {street}", "Fortauet er blankis og ikke strødd. En eldre dame falt "
         "her i morges."),
        ("Brøytekant sperrer innkjørsler i {street}", "Brøytebilen har lagt en høy og hard "
         "kant foran alle innkjørslene."),
        ("Snøhaug tar sikten i krysset i {street}", "Snøhaugen i krysset er så høy at man ikke "
         "ser bilene som kommer."),
        ("Busslomma i {street} er ikkje brøyta", "Bussen kjem ikkje inn til haldeplassen, og "
         "folk må stå ute i vegen."),
    ),
    "grafitti": (
        ("Grafitti i undergangen i {street}", "Undergangen er tagget ned på begge sider, også "
         "med stygge ord."),
        ("Tagging på skolebygget i {street}", "Ny tagging på veggen mot skolegården etter "
         "helga."),
        ("Grafitti på trafokiosken i {street}", "Trafokiosken ved krysset er full av tagging."),
        ("Tagging på skilt i {street}", "Flere skilt er tagget over, så de knapt kan leses."),
        ("Grafitti på busskuret i {street}", "Busskuret er tagget ned, og glasset er tusjet "
         "over."),
    ),
    "skilt": (
        ("Skilt har falt ned i {street}", "Vikepliktskiltet i krysset ligger i grøfta."),
        ("Gatenavnskilt mangler i {street}", "Skiltet med gatenavnet er borte, og besøkende "
         "finner ikke fram."),
        ("Skilt skjult av busker i {street}", "Fartsgrenseskiltet er dekket av greiner og kan "
         "ikke ses fra vegen."),
        ("Skjevt skilt i {street}", "Skiltet ved fotgjengerovergangen står på skeive etter at "
         "en lastebil traff det."),
        ("Uklart skilt ved innkøyringa til {street}", "Skiltet seier gjennomkøyring forbode, "
         "men ikkje kven som har lov å køyre inn."),
    ),
    "park-og-lekeplass": (
        ("Ødelagt huske på lekeplassen i {street}", "Den ene husken har røket kjetting og "
         "henger skjevt. Den er farlig å bruke."),
        ("Glasskår i sandkassa i {street}", "Det ligger knust glass i sandkassa på "
         "lekeplassen. Småbarn leker her hver dag."),
        ("Ødelagt benk i parken ved {street}", "Benken ved dammen er knust og mangler flere "
         "planker."),
        ("Gresset er ikke klipt i {street}", "Gresset i parken er knehøyt, og det går ikke an "
         "å bruke plenen."),
        ("Greiner over gangstien i {street}", "Greinene henger så lavt at man må bøye seg, og "
         "syklister kan skade seg."),
    ),
    "hull-i-fylkesvegen": (
        ("Store hull i fylkesvegen ved {street}", "Fylkesvegen har mange dype hull på "
         "strekningen forbi {street}. Flere har fått punktering."),
        ("Dype spor i fylkesvegen ved {street}", "Hjulsporene fylles med vann og gir fare for "
         "vannplaning."),
        ("Vegkanten har rast ut ved {street}", "Asfaltkanten på fylkesvegen har rast ut i "
         "grøfta. Det er skummelt å møte tunge kjøretøy her."),
        ("Hull i sykkelvegen langs fylkesvegen ved {street}", "Flere hull i gang- og "
         "sykkelvegen langs fylkesvegen."),
        ("Telehiv i fylkesvegen ved {street}", "Vegen har store ujevnheter etter telehiv. "
         "Bilen tar nesten nedi."),
    ),
}
# fmt: on

STAFF_ANSWERS: dict[str, tuple[str, ...]] = {
    State.ACKNOWLEDGED: (
        "Takk for meldingen. Vi har registrert saken og sendt den til driftsavdelingen.",
        "Takk for at du sa fra. Saken er tatt imot og blir fulgt opp.",
    ),
    State.INVESTIGATING: (
        "Vi undersøker saken og kommer tilbake når vi vet mer.",
        "Driftsavdelingen ser på stedet i løpet av uka.",
    ),
    State.PLANNED: (
        "Utbedringen er planlagt og blir gjort i løpet av de neste ukene.",
        "Arbeidet er satt opp på driftsplanen for neste måned.",
    ),
    State.IN_PROGRESS: ("Arbeidet er i gang.", "Mannskapene er på stedet og utbedrer nå."),
    State.FIXED: (
        "Dette er nå utbedret. Takk for at du sa fra!",
        "Saken er ordnet. Si gjerne fra igjen om problemet kommer tilbake.",
    ),
    State.NOT_RESPONSIBLE: (
        "Dette er ikke vårt ansvar: vegen er privat. Vi har gitt beskjed til grunneieren.",
        "Dette ligger utenfor vårt ansvarsområde. Meldingen er sendt videre til Statens vegvesen.",
    ),
    State.DUPLICATE: ("Dette er allerede meldt inn. Vi følger opp saken i den første meldingen.",),
    State.NO_FURTHER_ACTION: (
        "Vi har vurdert saken og gjør ikke noe mer med den nå.",
        "Dette prioriteres ikke i år, men vi tar det med i arbeidet med neste års budsjett.",
    ),
    State.CLOSED: (
        "Saken er avsluttet.",
        "Vi lukker saken. Ta gjerne kontakt igjen om noe er uklart.",
    ),
}
FIXED_BY_REPORTER = ("Nå er det fikset. Takk!", "Dette er ordnet nå, ser bra ut.")
CITIZEN_COMMENTS = (
    "Jeg har sett det samme. Det har blitt verre den siste uka.",
    "Takk for at du meldte dette!",
    "Holdt på å sykle rett inn i det i går kveld.",
    "Det gjeld òg litt lenger nede i gata.",
    "Når kan vi regne med at dette blir gjort noe med?",
)

# Alternative histories of staff answers that end in each state; one is picked per report.
HISTORIES: dict[str, tuple[tuple[str, ...], ...]] = {
    State.UNCONFIRMED: ((),),
    State.OPEN: ((),),
    State.ACKNOWLEDGED: ((State.ACKNOWLEDGED,),),
    State.INVESTIGATING: ((State.INVESTIGATING,), (State.ACKNOWLEDGED, State.INVESTIGATING)),
    State.PLANNED: ((State.ACKNOWLEDGED, State.PLANNED), (State.INVESTIGATING, State.PLANNED)),
    State.IN_PROGRESS: (
        (State.ACKNOWLEDGED, State.IN_PROGRESS),
        (State.ACKNOWLEDGED, State.PLANNED, State.IN_PROGRESS),
    ),
    State.FIXED: (
        (State.FIXED,),
        (State.ACKNOWLEDGED, State.FIXED),
        (State.ACKNOWLEDGED, State.IN_PROGRESS, State.FIXED),
    ),
    State.NOT_RESPONSIBLE: ((State.NOT_RESPONSIBLE,),),
    State.DUPLICATE: ((State.DUPLICATE,),),
    State.NO_FURTHER_ACTION: (
        (State.NO_FURTHER_ACTION,),
        (State.INVESTIGATING, State.NO_FURTHER_ACTION),
    ),
    State.CLOSED: (
        (State.ACKNOWLEDGED, State.CLOSED),
        (State.ACKNOWLEDGED, State.IN_PROGRESS, State.CLOSED),
    ),
}
STATE_WEIGHTS = {
    State.UNCONFIRMED: 2,
    State.OPEN: 20,
    State.ACKNOWLEDGED: 10,
    State.INVESTIGATING: 6,
    State.PLANNED: 6,
    State.IN_PROGRESS: 7,
    State.FIXED: 27,
    State.NOT_RESPONSIBLE: 4,
    State.DUPLICATE: 4,
    State.NO_FURTHER_ACTION: 4,
    State.CLOSED: 10,
}
