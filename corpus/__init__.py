"""The default corpus shipped with newsbot: the articles `newsbot ask` answers from out of the box."""
