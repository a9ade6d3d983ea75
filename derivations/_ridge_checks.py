def register(d): pass
