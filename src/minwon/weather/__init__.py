"""Weather (기상청 KMA): station registry, observations, warnings (특보) and the desk weather board."""
