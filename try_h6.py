from vigil.core.bidi import visual
for t in ["נמוך", "נמוך מאוד Berlin 12", "איום (בעל פה)", "12.5 ש׳", "Berlin (בית כנסת)", "אירועים ב-2025: 12%", "abc"]:
    print(t, "=>", visual(t))
