extension CharacterLanguageTask {
  /// A small English corpus written for this package (about 4 KB, public domain), so the
  /// character-level task runs without downloads. It is plain prose with a repeated structure
  /// (a calendar of months and a farm's chores) that a small model can partly learn.
  public static let embeddedCorpus: String = {
    let months = [
      ("January", "snow", "mends the fences", "the fire"),
      ("February", "frost", "sharpens the tools", "the lamp"),
      ("March", "wind", "ploughs the low field", "the gate"),
      ("April", "rain", "sows the barley", "the river"),
      ("May", "blossom", "plants the beans", "the orchard"),
      ("June", "sun", "cuts the hay", "the meadow"),
      ("July", "heat", "waters the garden", "the well"),
      ("August", "dust", "reaps the wheat", "the barn"),
      ("September", "mist", "picks the apples", "the press"),
      ("October", "fog", "gathers the wood", "the shed"),
      ("November", "sleet", "brings the sheep home", "the fold"),
      ("December", "ice", "mends the nets", "the hearth"),
    ]
    var text = """
      THE FARM BY THE RIVER

      There was once a small farm by a slow river, and on the farm lived a farmer, his sister, \
      an old dog and a great many hens. The farmer kept a book in which he wrote, every evening, \
      what the day had brought. The book was not clever, but it was honest, and what follows \
      is copied from it, month by month.


      """
    for (i, month) in months.enumerated() {
      let (name, weather, chore, place) = month
      let next = months[(i + 1) % months.count].0
      text += """
        In \(name) the \(weather) comes over the hill. The farmer \(chore) in the morning, \
        and in the evening he sits by \(place) and counts what is left. His sister says that \
        \(name) is a month for patience. The dog sleeps. The hens complain, as hens do. When \
        the \(weather) is gone, they all wait for \(next).


        """
    }
    text += """
      At the end of the year the farmer read the book from the first page to the last. He saw \
      that every month had its weather and its work, and that the work was always done, \
      whatever the weather. "A year is a wheel," said his sister, "and we are the spokes." The \
      farmer did not answer, because he was already writing the first line of the next year: \
      In January the snow comes over the hill.

      Some evenings a traveller stopped at the gate and asked for water. The farmer gave him \
      water and bread, and the sister asked him where he came from and where he was going. \
      Most travellers came from the city and were going to the sea; a few came from the sea \
      and were going to the city. None of them stayed. "The road is for those who go," said \
      the sister, "and the farm is for those who stay." The dog barked once at each of them, \
      to be polite, and then went back to sleep.

      """
    return text
  }()
}
