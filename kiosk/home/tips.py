"""Safety tips for the notice board, written for this project from the pact topics in DOMAIN.md."""
from flask_babel import gettext as _


def safety_tips() -> list[tuple[str, str]]:
    return [
        (_("Charge e-bikes outdoors"),
         _("Never bring an e-bike or its battery into the house or the stairwell to charge. "
           "Use the village charging point and stop charging when it is full.")),
        (_("Keep passages clear"),
         _("Stairways, corridors and fire lanes must stay clear. Nothing may be stored or parked "
           "within 5 metres of a hydrant.")),
        (_("Gas cylinders"),
         _("Keep at most two 15 kg cylinders, never in a bedroom. Close the valve after cooking "
           "and check the hose for cracks.")),
        (_("Wiring"),
         _("No makeshift wiring, no copper wire in place of fuses, no overloaded sockets. "
           "Have an earth-leakage breaker fitted.")),
        (_("Before you sleep: three clear, three off"),
         _("Clear the passage, balcony and kitchen; turn off gas, power and windows.")),
        (_("Fire? Call 119"),
         _("Shout to warn your neighbours, leave at once, close doors behind you and call 119. "
           "Do not go back for belongings.")),
    ]


def tip_slides() -> list[tuple[str, dict]]:
    return [("home/_slide_tip.html", {"title": title, "body": body}) for title, body in safety_tips()]
