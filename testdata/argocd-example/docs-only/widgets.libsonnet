{ widget: 'a library nobody imports' }
